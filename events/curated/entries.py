"""Reading the dataset file and checking its entries, so that every error names the entry at fault."""

import datetime
import decimal
import json
from pathlib import Path

DATASET_PATH = Path(__file__).with_name("dataset.json")
SECTIONS = ("organisations", "people", "lawsuits", "agreements", "events")


class DatasetError(ValueError):
    """The dataset file cannot be loaded; the message names the file, the entry and the field."""


def read_dataset(path=DATASET_PATH):
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DatasetError(f"{path}: cannot be read ({error})") from None
    except json.JSONDecodeError as error:
        raise DatasetError(
            f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    if not isinstance(data, dict):
        raise DatasetError(f"{path}: expected a JSON object with {', '.join(SECTIONS)}")
    for section in SECTIONS:
        if not isinstance(data.get(section), list):
            raise DatasetError(f"{path}: '{section}' is missing or is not a list")
    return data


class Entry:
    """One entry of a section, with checked access to its fields."""

    def __init__(self, section, index, raw, label_field):
        self.raw = raw
        label = raw.get(label_field) if isinstance(raw, dict) else None
        self.where = f"{section}[{index}]" + (f" ({label!r})" if label else "")
        if not isinstance(raw, dict):
            raise DatasetError(f"{self.where}: expected an object, found {type(raw).__name__}")

    def fail(self, message):
        raise DatasetError(f"{self.where}: {message}")

    def has(self, field):
        return self.raw.get(field) not in (None, "")

    def text(self, field, *, required=False, max_length=None):
        value = self.raw.get(field)
        if value is None or value == "":
            if required:
                self.fail(f"missing field '{field}'")
            return ""
        if not isinstance(value, str):
            self.fail(f"'{field}' must be a string")
        if max_length and len(value) > max_length:
            self.fail(f"'{field}' is longer than {max_length} characters")
        return value.strip()

    def choice(self, field, choices, *, default=None):
        value = self.raw.get(field, default)
        if value is None:
            self.fail(f"missing field '{field}'")
        if value not in choices.values:
            self.fail(f"'{field}' is {value!r}, expected one of: {', '.join(choices.values)}")
        return value

    def date(self, field, *, required=False):
        value = self.raw.get(field)
        if value in (None, ""):
            if required:
                self.fail(f"missing field '{field}'")
            return None
        try:
            return datetime.date.fromisoformat(value)
        except (TypeError, ValueError):
            self.fail(f"'{field}' is {value!r}, expected a date as YYYY-MM-DD")

    def number(self, field, kind=int):
        value = self.raw.get(field)
        if value in (None, ""):
            return None
        try:
            number = kind(str(value))
        except (ValueError, decimal.InvalidOperation):
            self.fail(f"'{field}' is {value!r}, expected a number")
        if number < 0:
            self.fail(f"'{field}' cannot be negative")
        return number

    def items(self, field):
        value = self.raw.get(field) or []
        if not isinstance(value, list):
            self.fail(f"'{field}' must be a list")
        return value

    def strings(self, field):
        values = self.items(field)
        if not all(isinstance(v, str) for v in values):
            self.fail(f"'{field}' must be a list of strings")
        return values

    def children(self, field, label_field):
        return [
            Entry(f"{self.where}.{field}", i, raw, label_field) for i, raw in enumerate(self.items(field))
        ]


def entries(data, section, label_field):
    return [Entry(section, i, raw, label_field) for i, raw in enumerate(data[section])]


def lookup(rows, name, what, entry):
    """The row called `name` among the dataset's `what`s, or an error naming the entry."""
    if name not in rows:
        entry.fail(f"names the {what} {name!r}, which is not among the dataset's {what}s")
    return rows[name]
