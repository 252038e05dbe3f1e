"""The curated dataset shipped with Dailies (dataset.json) and the loader of `manage.py load_curated`."""
