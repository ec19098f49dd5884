"""Checklists as data: what a form definition must hold, and what answers fit a version's questions (pure: no ORM).

A definition is a title ``{"ru", "kk", "en"}`` and a list of questions ``{"name", "type", "label": {lang: text},
"required", "choices": [{"value", "label"}]}`` (electionday.models.ChecklistVersion). Answers arrive as JSON from a
phone or from a staff form: each is checked against its question's type and returned in one canonical form, or
refused with a message under the question's name.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from electionday.models import QuestionType

LANGUAGES = ("ru", "kk", "en")
NAME = re.compile(r"[a-z][a-z0-9_]*", re.ASCII)
# Choice values travel in XForms as space-separated tokens: no spaces, nothing a spreadsheet would run.
CHOICE_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*", re.ASCII)
TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]", re.ASCII)
DIGITS = re.compile(r"[0-9]+", re.ASCII)
MAX_NAME = 40  # Attachment.question holds 60
MAX_LABEL = 500
MAX_QUESTIONS = 100
MAX_CHOICES = 60
MAX_TEXT = 2000
MAX_NUMBER = 1_000_000  # a station has ~1,200 voters; a typo of a few digits is caught, not stored
TYPES = {str(value) for value in QuestionType.values}

Question = dict[str, Any]


def _clean_label(raw: object, where: str, errors: list[str]) -> dict[str, str]:
    """Return a label's non-empty texts by language; record why it is unfit in ``errors``."""
    if not isinstance(raw, Mapping):
        errors.append(_("%(where)s: the label must give a text per language.") % {"where": where})
        return {}
    label: dict[str, str] = {}
    for language in LANGUAGES:
        text = raw.get(language)
        if text is None:
            continue
        if not isinstance(text, str):
            errors.append(_("%(where)s: the label must be text.") % {"where": where})
            continue
        text = text.strip()
        if len(text) > MAX_LABEL:
            errors.append(
                _("%(where)s: a label has at most %(limit)d characters.") % {"where": where, "limit": MAX_LABEL}
            )
        elif text:
            label[language] = text
    if "ru" not in label:
        errors.append(_("%(where)s: a Russian label is required.") % {"where": where})
    return label


def _clean_choices(raw: object, where: str, errors: list[str]) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        errors.append(_("%(where)s: a choice question needs at least one choice.") % {"where": where})
        return []
    if len(raw) > MAX_CHOICES:
        errors.append(_("%(where)s: at most %(limit)d choices.") % {"where": where, "limit": MAX_CHOICES})
    choices: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(raw, start=1):
        place = _("%(where)s, choice %(n)d") % {"where": where, "n": index}
        value = item.get("value") if isinstance(item, Mapping) else None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not CHOICE_VALUE.fullmatch(value) or len(value) > MAX_NAME:
            errors.append(
                _("%(where)s: a value is letters, digits, '_', '.' or '-' without spaces.") % {"where": place}
            )
            continue
        if value in seen:
            errors.append(_("%(where)s: the value %(value)s is used twice.") % {"where": place, "value": value})
            continue
        seen.add(value)
        choices.append({"value": value, "label": _clean_label(item.get("label"), place, errors)})
    return choices


def clean_definition(title: object, questions: object) -> tuple[dict[str, str], list[Question]]:
    """Return the definition in its canonical form, or raise ValidationError({"title"|"questions": [messages]})."""
    title_errors: list[str] = []
    clean_title = _clean_label(title, _("Title"), title_errors)
    errors: list[str] = []
    cleaned: list[Question] = []
    if not isinstance(questions, list):
        errors.append(_("The questions must be a list."))
        questions = []
    if len(questions) > MAX_QUESTIONS:
        errors.append(_("A form has at most %(limit)d questions.") % {"limit": MAX_QUESTIONS})
    names: set[str] = set()
    for index, raw in enumerate(questions, start=1):
        where = _("Question %(n)d") % {"n": index}
        if not isinstance(raw, Mapping):
            errors.append(_("%(where)s: not a question.") % {"where": where})
            continue
        name = raw.get("name")
        if not isinstance(name, str) or not NAME.fullmatch(name) or len(name) > MAX_NAME:
            errors.append(
                _(
                    "%(where)s: the name starts with a Latin letter and holds only small Latin letters, digits and "
                    "'_' (at most %(limit)d)."
                )
                % {"where": where, "limit": MAX_NAME}
            )
            name = ""
        else:
            where = _("Question %(n)d (%(name)s)") % {"n": index, "name": name}
            if name in names:
                errors.append(_("%(where)s: the name is used twice.") % {"where": where})
            names.add(name)
        kind = raw.get("type")
        if kind not in TYPES:
            errors.append(_("%(where)s: unknown question type.") % {"where": where})
        required = raw.get("required", False)
        if not isinstance(required, bool):
            errors.append(_("%(where)s: 'required' must be true or false.") % {"where": where})
            required = False
        question: Question = {
            "name": name,
            "type": kind,
            "label": _clean_label(raw.get("label"), where, errors),
            "required": required,
            "choices": [],
        }
        if kind == QuestionType.CHOICE:
            question["choices"] = _clean_choices(raw.get("choices"), where, errors)
        elif raw.get("choices"):
            errors.append(_("%(where)s: only a choice question has choices.") % {"where": where})
        cleaned.append(question)
    problems: dict[str, list[str]] = {}
    if title_errors:
        problems["title"] = title_errors
    if errors:
        problems["questions"] = errors
    if problems:
        raise ValidationError(problems)
    return clean_title, cleaned


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _clean_value(question: Question, value: object) -> object:
    """Return ``value`` in the canonical form of the question's type; raise ValueError with the message."""
    kind = question["type"]
    if kind == QuestionType.YES_NO:
        if isinstance(value, bool):
            return value
        raise ValueError(_("Answer yes or no."))
    if kind == QuestionType.NUMBER:
        if isinstance(value, str) and DIGITS.fullmatch(value.strip()):
            value = int(value.strip())
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_NUMBER:
            return value
        raise ValueError(_("Enter a whole number from 0 to %(limit)d.") % {"limit": MAX_NUMBER})
    if kind == QuestionType.CHOICE:
        values = [choice["value"] for choice in question.get("choices", [])]
        if isinstance(value, str) and value in values:
            return value
        raise ValueError(_("Choose one of the offered answers."))
    if kind == QuestionType.TEXT:
        if not isinstance(value, str):
            raise ValueError(_("Enter text."))
        if len(value.strip()) > MAX_TEXT:
            raise ValueError(_("At most %(limit)d characters.") % {"limit": MAX_TEXT})
        return value.strip()
    if kind == QuestionType.TIME:
        if isinstance(value, str) and TIME.fullmatch(value.strip()):
            return value.strip()
        raise ValueError(_("Enter a time as HH:MM, such as 07:45."))
    raise ValueError(_("This question cannot be answered here."))


def clean_answers(questions: list[Question], answers: object, photos: Collection[str] = ()) -> dict[str, object]:
    """Return the answers that fit ``questions`` (unanswered optional ones left out; a photo question is answered by
    a file named in ``photos``, never by a value), or raise ValidationError({question name: [message]})."""
    if not isinstance(answers, Mapping):
        raise ValidationError({"answers": [_("The answers must be an object of question names and values.")]})
    by_name = {question["name"]: question for question in questions}
    errors: dict[str, list[str]] = {}
    for name in answers:
        if name not in by_name:
            errors[str(name)] = [_("Not a question of this form.")]
    for name in photos:
        if by_name.get(name, {}).get("type") != QuestionType.PHOTO:
            errors[str(name)] = [_("This question takes no photo.")]
    cleaned: dict[str, object] = {}
    for name, question in by_name.items():
        if question["type"] == QuestionType.PHOTO:
            answered = name in photos  # a value sent for it (a file name, a flag) is not the photo: ignored
        else:
            value = answers.get(name)
            answered = not _empty(value)
            if answered:
                try:
                    cleaned[name] = _clean_value(question, value)
                except ValueError as exc:
                    errors[name] = [str(exc)]
                continue
        if not answered and question.get("required"):
            errors[name] = [_("This question is required.")]
    if errors:
        raise ValidationError(errors)
    return cleaned
