"""Notes for people: an English sentence that carries what it says, to be said again.

A :class:`Note` is a ``str`` (the English sentence, as logs, JSON and the command line
show it) that also holds a key and the values it was made from, so a face can say the
same thing in another language with its own number formats.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Note"]


class Note(str):
    """An English sentence with the ``key`` and ``values`` it says.

    Examples
    --------
    >>> note = Note("spend: 3 repeat buyers", "few_buyers", buyers=3)
    >>> note, note.key, note.values
    ('spend: 3 repeat buyers', 'few_buyers', {'buyers': 3})
    """

    key: str
    values: dict[str, Any]

    def __new__(cls, text: str, key: str, /, **values: Any) -> Note:
        note = super().__new__(cls, text)
        note.key = key
        note.values = values
        return note

    def __reduce__(self) -> tuple[Any, ...]:
        return (_make, (str(self), self.key, self.values))


def _make(text: str, key: str, values: dict[str, Any]) -> Note:
    return Note(text, key, **values)
