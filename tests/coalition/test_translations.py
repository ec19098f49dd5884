"""The ru and kk catalogues are complete: every message translated, none fuzzy, formats valid."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale"


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_catalogue_has_no_untranslated_or_fuzzy_messages(language):
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert not catalogue.metadata_is_fuzzy
    assert not untranslated, f"{len(untranslated)} untranslated in {language}, e.g. {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {language}, e.g. {fuzzy[:10]}"


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_catalogue_keeps_every_placeholder(language):
    import re

    placeholder = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    broken = []
    for entry in catalogue.translated_entries():
        wanted = sorted(placeholder.findall(entry.msgid))
        found = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
        for text in found:
            if sorted(placeholder.findall(text)) != wanted and not entry.msgid_plural:
                broken.append(entry.msgid)
    assert not broken, broken[:10]


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_compiled_catalogue_is_what_users_see(language):
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    entries = [e for e in catalogue.translated_entries() if not e.msgid_plural and "%" not in e.msgid][:50]
    assert entries
    with translation.override(language):
        for entry in entries:
            assert translation.gettext(entry.msgid) == entry.msgstr
