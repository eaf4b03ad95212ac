"""Random and hostile values for form fields, query strings and paging cursors."""

from hypothesis import strategies as st

from users.paging import encode_cursor

OMIT = object()

HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x00" * 3,
    "\r\n\t\x0b\x0c",
    "\x1b[31mred\x1b[0m",
    "\u202eevil\u202c",
    "\u200f\u200e\u061c",
    "\ufeff",
    "\u200b\u200c\u200d\u2060",
    "Z\u0351\u0360\u0364\u0368\u036e\u0366",
    "\U0001f4a9\U0001f9d1\u200d\U0001f4bb",
    "<script>alert(1)</script>",
    "'; DROP TABLE users_user; --",
    "' OR '1'='1",
    "%00",
    "%s%s%s%n",
    "{{ 7*7 }}{% debug %}",
    '=HYPERLINK("http://evil.example")',
    "+cmd|' /C calc'!A0",
    "\\",
    "_%",
    "A" * 255,
    "A" * 5000,
    "\u00e9" * 20000,
]

HOSTILE_EMAILS = [
    "admin@school.example",
    "ADMIN@SCHOOL.EXAMPLE",
    "\u0430dmin@school.example",
    "admin@sch\u043eol.example",
    "user@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444",
    "user@xn--e1afmkfd.xn--p1ai",
    "\u00fcser@b\u00fccher.example",
    "a@b",
    "a@b.c\x00",
    "a\x00@example.com",
    "@example.com",
    "a@",
    "a@@example.com",
    "a@example.com\r\nBcc: victim@example.com",
    "\u202eadmin@school.example",
    "x" * 250 + "@example.com",
    "a@" + "x" * 64 + ".example",
    "a@" + ".".join(["b" * 63] * 5) + ".example",
    '"quoted local"@example.com',
    "a+tag@example.com",
    "A@EXAMPLE.COM ",
]

HOSTILE_NUMBERS = [
    "-1",
    "0",
    "-0",
    "1",
    "2147483647",
    "2147483648",
    "-2147483649",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "1" + "0" * 400,
    "1e309",
    "-1e309",
    "1e-400",
    "NaN",
    "nan",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "0x10",
    "1_000",
    "1,5",
    "1.5",
    "\u0661\u0662",
    "\uff11\uff12",
    "12\x00",
    " 7 ",
]

HOSTILE_DATES = [
    "0000-00-00",
    "0001-01-01",
    "1000-01-01",
    "1899-12-31",
    "1999-12-31",
    "2024-02-30",
    "2023-02-29",
    "9999-12-31",
    "10000-01-01",
    "-0001-01-01",
    "2024-13-01",
    "2024-00-10",
    "2024-1-1",
    "01/02/2030",
    "2030-01-01T00:00:00Z",
    "2030-01-01\x00",
    "yesterday",
    "\u0662\u0660\u0663\u0660-\u0660\u0661-\u0660\u0661",
]

control_text = st.text(
    alphabet=st.characters(categories=("Cc", "Cf", "Zs", "Zl", "Zp", "Mn")), max_size=30
)
any_text = st.text(max_size=60)
huge_text = st.integers(min_value=300, max_value=20000).map(lambda n: "\u00c5" * n)
numbers = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(HOSTILE_NUMBERS),
)
dates = st.one_of(
    st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}"),
    st.sampled_from(HOSTILE_DATES),
)
emails = st.one_of(st.emails().map(str), st.sampled_from(HOSTILE_EMAILS))

cursor_values = st.one_of(
    st.integers(min_value=-(2**90), max_value=2**90),
    st.sampled_from(
        [
            "a\x00",
            "9999-12-31T23:59:59-14:00",
            "0001-01-01T00:00:00+14:00",
            "2024-01-01T00:00:00",
            "",
            True,
            None,
        ]
    ),
    st.text(max_size=20),
    st.floats(allow_nan=False, allow_infinity=False),
)
cursors = st.one_of(
    st.text(max_size=40),
    st.builds(
        encode_cursor,
        st.sampled_from(["after", "before", "sideways"]),
        st.lists(cursor_values, max_size=4),
    ),
)

hostile = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    control_text,
    any_text,
    huge_text,
    numbers,
    dates,
    emails,
)


def field_value(base):
    """A field's value: the valid base, something hostile, or the field left out."""
    return st.one_of(st.just(base), hostile, st.just(OMIT))


def form_data(base):
    """Every field either kept, made hostile or left out (hypothesis shrinks towards kept)."""
    return st.fixed_dictionaries({name: field_value(value) for name, value in base.items()}).map(
        lambda data: {k: v for k, v in data.items() if v is not OMIT}
    )
