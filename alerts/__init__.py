"""Alerts: readers follow filtered views and get the events that match, by mail, Atom or webhook.

This app imports events/; events/ never imports it (templates reach it by URL name only).
"""
