"""Reading agenda items from CSV, text, Word and PDF files, and refusing hostile ones."""

from __future__ import annotations

import copy
import io
import zipfile

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from screening.documents import (
    MAX_PDF_PAGES,
    DocumentError,
    ParsedItem,
    parse_agenda_text,
    read_agenda_document,
)


def ids(items):
    return [i.item_id for i in items]


# --- builders ------------------------------------------------------------------------------


def _pdf_string(text: str) -> bytes:
    out = bytearray()
    for byte in text.encode("cp1252"):
        if byte in b"()\\":
            out += b"\\" + bytes([byte])
        elif 32 <= byte < 127:
            out.append(byte)
        else:
            out += b"\\%03o" % byte
    return bytes(out)


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal, valid PDF with one line of Helvetica text per string."""
    count = len(pages)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(count))
        + b"] /Count %d >>" % count,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for i, lines in enumerate(pages):
        content = (
            b"BT /F1 11 Tf 14 TL 72 760 Td " + b" ".join(b"(" + _pdf_string(ln) + b") Tj T*" for ln in lines) + b" ET"
        )
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def encrypt_pdf(data: bytes, user_password: str, owner_password: str = "owner") -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def save(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def add_multilevel_numbering(document, formats=(("decimal", "%1."), ("decimal", "%1.%2"))) -> str:
    """Add a multi-level list definition to the document; return its numId."""
    numbering = document.part.numbering_part.element
    levels = "".join(
        f'<w:lvl w:ilvl="{n}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl>'
        for n, (fmt, text) in enumerate(formats)
    )
    abstract = parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">{levels}</w:abstractNum>')
    num = parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(num)
    return "90"


def numbered(document, text: str, num_id: str, level: int = 0):
    paragraph = document.add_paragraph(text)
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'))
    return paragraph


def fill_table(document, rows):
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for row, values in zip(table.rows, rows):
        for cell, value in zip(row.cells, values):
            cell.text = value
    return table


def zip_bytes(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as zf:
        for name, body in entries.items():
            zf.writestr(name, body)
    return out.getvalue()


# --- plain text ----------------------------------------------------------------------------

NUMBERING_FORMS = [
    ("4.2 Riverside Surgery merger", "4.2", "Riverside Surgery merger"),
    ("4.2. Riverside Surgery merger", "4.2", "Riverside Surgery merger"),
    ("1.0 Welcome", "1.0", "Welcome"),
    ("Item 6a: Riverside Surgery merger", "6a", "Riverside Surgery merger"),
    ("Item 6a \u2013 Riverside Surgery merger", "6a", "Riverside Surgery merger"),
    ("Agenda item 7 - Premises", "7", "Premises"),
    ("(6) Riverside Surgery merger", "6", "Riverside Surgery merger"),
    ("6) Riverside Surgery merger", "6", "Riverside Surgery merger"),
    ("A1 Riverside Surgery merger", "A1", "Riverside Surgery merger"),
    ("B7. Riverside Surgery merger", "B7", "Riverside Surgery merger"),
    ("12 Riverside Surgery merger", "12", "Riverside Surgery merger"),
    ("10:00 3. Riverside Surgery merger", "3", "Riverside Surgery merger"),
    ("10.15am\u201310.30am 3 Riverside Surgery merger", "3", "Riverside Surgery merger"),
    ("24/031 Riverside Surgery merger", "24/031", "Riverside Surgery merger"),
    ("PCCC 24-25/031: Riverside Surgery merger", "PCCC 24-25/031", "Riverside Surgery merger"),
]


@pytest.mark.parametrize("line, item_id, title", NUMBERING_FORMS)
def test_numbering_forms(line, item_id, title):
    assert parse_agenda_text(line) == [ParsedItem(item_id, title, "")]


REALISTIC_TEXT = """\
NHS Anytown ICB
Primary Care Commissioning Committee
Agenda
Date: Tuesday 12 March 2024, 10:00
Venue: Room 4, 10 High Street, Anytown

1. Welcome and apologies
2. Declarations of interest
3. Minutes of the meeting held on 9 January 2024 \u2013 for approval
4 Riverside Surgery (Y01234): APMS contract award
   The committee is asked to award the APMS contract for
   3 years from 1 April 2024.
   Paper C, lead: Head of Primary Care
Part 2 \u2013 Items for decision
5. Merger of Oak Tree Surgery and Elm Medical Centre
5.1 Patient engagement report
6. Local Enhanced Service: anticoagulation monitoring
7. Any other business
Page 2 of 2
"""


def test_realistic_text_agenda():
    items = parse_agenda_text(REALISTIC_TEXT)
    assert ids(items) == ["1", "2", "3", "4", "5", "5.1", "6", "7"]
    assert items[2] == ParsedItem("3", "Minutes of the meeting held on 9 January 2024", "for approval")
    assert items[3].title == "Riverside Surgery (Y01234): APMS contract award"
    assert items[3].description == (
        "The committee is asked to award the APMS contract for 3 years from 1 April 2024. "
        "Paper C, lead: Head of Primary Care"
    )
    # Neither the section heading nor the page footer is glued onto an item.
    assert "Part 2" not in items[3].description
    assert items[-1] == ParsedItem("7", "Any other business")


def test_numbers_that_go_backwards_are_text():
    text = "1 Welcome\n2 Minutes\n3 Branch closure at Hillside Surgery\n2 Practices have objected\n4 AOB\n"
    items = parse_agenda_text(text)
    assert ids(items) == ["1", "2", "3", "4"]
    assert items[2].description == "2 Practices have objected"


def test_number_alone_takes_the_next_line_as_title():
    items = parse_agenda_text("1\nWelcome\n2\nMinutes\n3\n4 Riverside Surgery\nItem 9\n")
    assert [(i.item_id, i.title) for i in items] == [("1", "Welcome"), ("2", "Minutes"), ("4", "Riverside Surgery")]


def test_unnumbered_agenda_gets_sequential_ids():
    text = (
        "Primary Care Commissioning Committee\nAgenda\nDate: 12 March 2024\n\n"
        "Welcome\nRiverside Surgery merger\n  with Oak Tree Surgery from 1 April\n"
        "and closure of the branch\nPremises grants\n"
    )
    items = parse_agenda_text(text)
    assert items == [
        ParsedItem("1", "Welcome"),
        ParsedItem("2", "Riverside Surgery merger", "with Oak Tree Surgery from 1 April and closure of the branch"),
        ParsedItem("3", "Premises grants"),
    ]


def test_clock_times_are_not_item_ids():
    items = parse_agenda_text("10.00 Welcome\n10.15 Minutes\n10.30 Riverside Surgery merger\n")
    assert ids(items) == ["1", "2", "3"]
    assert items[2].title == "Riverside Surgery merger"


def test_dates_and_lowercase_continuations_are_not_items():
    items = parse_agenda_text("1 Welcome\n12 March 2024\n2 Minutes\n3 practices asked to merge\n")
    assert ids(items) == ["1", "2"]
    assert items[0].description == "12 March 2024"


@pytest.mark.parametrize(
    "line, item_id",
    [
        ("2 Declarations of interest", "2"),
        ("3 Marches Surgery merger", "3"),
        ("4 May Lane Surgery: branch closure", "4"),
        ("12 December 2024", None),
        ("12 Dec", None),
        ("1st March, Room 4", None),
    ],
)
def test_month_words_and_dates(line, item_id):
    items = parse_agenda_text("1 Welcome\n" + line + "\n5 Any other business")
    assert (item_id in ids(items)) if item_id else ids(items) == ["1", "5"]


def test_numeric_dates_are_not_item_ids():
    items = parse_agenda_text("1 Welcome\n12/03/24 Extraordinary meeting\n2 Minutes\n")
    assert ids(items) == ["1", "2"]


def test_blank_and_empty_text():
    assert parse_agenda_text("") == []
    assert parse_agenda_text("\n\n   \n") == []


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_parse_text_never_fails_and_ids_are_unique(text):
    items = parse_agenda_text(text)
    assert len(ids(items)) == len(set(ids(items)))
    assert all(i.title and i.title == i.title.strip() for i in items)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.from_regex(r"[A-Z][a-z]{2,10}( [A-Za-z]{2,10}){0,4}", fullmatch=True), min_size=1, max_size=15))
def test_numbered_lines_round_trip(titles):
    text = "\n".join(f"{n}. {t}" for n, t in enumerate(titles, start=1))
    assert parse_agenda_text(text) == [ParsedItem(str(n), t) for n, t in enumerate(titles, start=1)]


# --- .txt and .csv files -------------------------------------------------------------------


def test_txt_file_utf8_with_bom():
    data = "\ufeff1. Welcome\n2. Riverside Surgery \u2013 branch closure\n".encode("utf-8")
    assert read_agenda_document("agenda.txt", data) == [
        ParsedItem("1", "Welcome"),
        ParsedItem("2", "Riverside Surgery", "branch closure"),
    ]


def test_txt_file_in_windows_1252():
    data = "1. Premises grant \u00a35,000 \u2013 Hillside Surgery\n".encode("cp1252")
    assert read_agenda_document("agenda.TXT", data) == [
        ParsedItem("1", "Premises grant \u00a35,000", "Hillside Surgery")
    ]


def test_txt_file_in_utf16():
    data = "1. Welcome\r\n2. Minutes\r\n".encode("utf-16")
    assert ids(read_agenda_document("agenda.text", data)) == ["1", "2"]


def test_csv_contract_columns():
    data = (
        b"item_id,title,description,meeting_date,owner\n"
        b"1,Welcome,,2024-03-12,Chair\n"
        b'4.2,"Riverside Surgery, Anytown",APMS contract award,2024-03-12,\n'
        b",,,,\n"
    )
    assert read_agenda_document("agenda.csv", data) == [
        ParsedItem("1", "Welcome", ""),
        ParsedItem("4.2", "Riverside Surgery, Anytown", "APMS contract award"),
    ]


def test_csv_from_excel_headers_and_cp1252():
    data = "Item No,Subject,Details\r\n1,Premises \u2013 Hillside,Grant of \u00a35k\r\n".encode("cp1252")
    assert read_agenda_document("Agenda.CSV", data) == [
        ParsedItem("1", "Premises \u2013 Hillside", "Grant of \u00a35k")
    ]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"1,Welcome,\n2,Minutes,\n", "must be a header naming the columns item_id, title"),
        (b"item_id,title\n1,Welcome\n,Minutes\n", "Row 3 of the CSV file 'agenda.csv' has no item_id."),
        (b"item_id,title\n1,\n", "Row 2 of the CSV file 'agenda.csv' (item 1) has no title."),
        (b"item_id,title\n1,Welcome\n1,Minutes\n", "uses item_id 1 twice (rows 2 and 3)"),
        (b"item_id,title\n", "No agenda items were found in 'agenda.csv'."),
    ],
)
def test_csv_problems_are_explained(data, message):
    with pytest.raises(DocumentError) as err:
        read_agenda_document("agenda.csv", data)
    assert message in str(err.value)


def test_csv_with_enormous_field_is_refused():
    data = b'item_id,title\n1,"' + b"x" * 200_000 + b'"\n'
    with pytest.raises(DocumentError, match="could not be read"):
        read_agenda_document("agenda.csv", data)


# --- Word ----------------------------------------------------------------------------------


def test_docx_typed_numbering_with_preamble():
    document = docx.Document()
    document.add_heading("Primary Care Commissioning Committee", 0)
    document.add_paragraph("Agenda")
    document.add_paragraph("Tuesday 12 March 2024, Room 4, Civic Centre")
    document.add_paragraph("1. Welcome and apologies")
    document.add_paragraph("Item 2: Declarations of interest")
    paragraph = document.add_paragraph("3 Riverside Surgery \u2013 APMS contract award")
    paragraph.add_run().add_break()
    paragraph.add_run("Award to Riverside Medical Practice (Y01234)")
    document.add_paragraph("Lead: Head of Primary Care")
    assert read_agenda_document("agenda.docx", save(document)) == [
        ParsedItem("1", "Welcome and apologies"),
        ParsedItem("2", "Declarations of interest"),
        ParsedItem(
            "3",
            "Riverside Surgery",
            "APMS contract award Award to Riverside Medical Practice (Y01234) Lead: Head of Primary Care",
        ),
    ]


def test_docx_word_list_numbering_multilevel():
    document = docx.Document()
    document.add_heading("Agenda", 1)
    document.add_paragraph("12 March 2024")
    num = add_multilevel_numbering(document)
    numbered(document, "Welcome", num)
    numbered(document, "Contracts", num)
    numbered(document, "Riverside Surgery APMS award", num, level=1)
    numbered(document, "Hillside Surgery branch closure", num, level=1)
    document.add_paragraph("Supporting paper: consultation report")
    numbered(document, "", num)  # an empty numbered paragraph still takes number 3 in Word
    numbered(document, "Any other business", num)
    items = read_agenda_document("agenda.docx", save(document))
    assert [(i.item_id, i.title) for i in items] == [
        ("1", "Welcome"),
        ("2", "Contracts"),
        ("2.1", "Riverside Surgery APMS award"),
        ("2.2", "Hillside Surgery branch closure"),
        ("4", "Any other business"),
    ]
    assert items[3].description == "Supporting paper: consultation report"


def test_docx_letter_sublevel_takes_its_parent_number():
    document = docx.Document()
    num = add_multilevel_numbering(document, (("decimal", "%1."), ("lowerLetter", "%2)")))
    numbered(document, "Welcome", num)
    numbered(document, "Contracts", num)
    numbered(document, "Riverside Surgery", num, level=1)
    numbered(document, "Hillside Surgery", num, level=1)
    numbered(document, "Finance", num)
    assert ids(read_agenda_document("a.docx", save(document))) == ["1", "2", "2a", "2b", "3"]


def test_docx_builtin_list_number_style_and_bullets():
    document = docx.Document()
    document.add_paragraph("Welcome", style="List Number")
    document.add_paragraph("Riverside Surgery merger", style="List Number")
    document.add_paragraph("Oak Tree Surgery consultation", style="List Bullet")
    items = read_agenda_document("a.docx", save(document))
    assert items == [
        ParsedItem("1", "Welcome"),
        ParsedItem("2", "Riverside Surgery merger", "Oak Tree Surgery consultation"),
    ]


def test_docx_agenda_table_with_header():
    document = docx.Document()
    document.add_paragraph("Agenda \u2013 Primary Care Commissioning Committee")
    table = fill_table(
        document,
        [
            ["Time", "Item No.", "Title", "Purpose", "Lead"],
            ["10:00", "1", "Welcome", "", "Chair"],
            ["10:05", "2.", "Riverside Surgery\nAPMS contract award", "Decision", "Head of PC"],
            ["", "", "Late paper: patient survey", "", ""],
            ["", "Part 2", "", "", ""],
            ["10:30", "Item 3", "Any other business", "", ""],
        ],
    )
    heading = table.rows[4].cells[0].merge(table.rows[4].cells[4])
    heading.text = "Items for information"
    items = read_agenda_document("agenda.docx", save(document))
    assert items == [
        ParsedItem("1", "Welcome"),
        ParsedItem("2", "Riverside Surgery", "APMS contract award Decision Late paper: patient survey"),
        ParsedItem("3", "Any other business"),
    ]


def test_docx_table_without_header_and_item_column_holding_both():
    document = docx.Document()
    fill_table(document, [["1", "Welcome", "Chair"], ["2", "Hillside Surgery branch closure", "Director"]])
    fill_table(document, [["Item", "Lead"], ["3. Finance report", "CFO"], ["4. Risks", "CFO"]])
    items = read_agenda_document("agenda.docx", save(document))
    assert [(i.item_id, i.title) for i in items] == [
        ("1", "Welcome"),
        ("2", "Hillside Surgery branch closure"),
        ("3", "Finance report"),
        ("4", "Risks"),
    ]


def test_docx_duplicate_numbers_are_refused():
    document = docx.Document()
    fill_table(document, [["No.", "Title"], ["1", "Welcome"], ["2", "Minutes"]])
    fill_table(document, [["No.", "Title"], ["1", "Private item"]])
    with pytest.raises(DocumentError, match="Item number 1 appears more than once in 'agenda.docx'"):
        read_agenda_document("agenda.docx", save(document))


def test_docx_without_items():
    document = docx.Document()
    document.add_paragraph("Agenda")
    with pytest.raises(DocumentError, match="No agenda items were found in 'agenda.docx'"):
        read_agenda_document("agenda.docx", save(document))


def test_docx_that_is_really_a_text_file():
    with pytest.raises(DocumentError) as err:
        read_agenda_document("agenda.docx", b"1. Welcome\n2. Minutes\n")
    assert str(err.value) == (
        "The file 'agenda.docx' is named .docx but is not a Word document: it is a plain text file."
    )


def test_docx_that_is_a_zip_of_something_else():
    workbook = zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    with pytest.raises(DocumentError, match="not a Word document: it is an Excel workbook"):
        read_agenda_document("agenda.docx", workbook)
    with pytest.raises(DocumentError, match="not a Word document: it is a zip archive"):
        read_agenda_document("agenda.docx", zip_bytes({"notes.txt": b"hello"}))


def test_docx_with_broken_xml_is_refused():
    good = save(docx.Document())
    parts = {}
    with zipfile.ZipFile(io.BytesIO(good)) as zf:
        for info in zf.infolist():
            parts[info.filename] = zf.read(info)
    parts["word/document.xml"] = b"<w:document><unclosed"
    with pytest.raises(DocumentError, match="could not be opened as a Word document"):
        read_agenda_document("agenda.docx", zip_bytes(parts))


def test_truncated_docx_is_refused():
    data = save(docx.Document())
    with pytest.raises(DocumentError, match="not a valid Word document"):
        read_agenda_document("agenda.docx", data[: len(data) // 2])


def test_zip_bomb_is_refused_before_opening():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        with zf.open("word/document.xml", "w") as part:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(100):
                part.write(chunk)
    data = out.getvalue()
    assert len(data) < 200_000  # 100 MB of zeros compress to about 100 KB
    with pytest.raises(DocumentError) as err:
        read_agenda_document("bomb.docx", data)
    assert "'bomb.docx'" in str(err.value) and "refused" in str(err.value)


def test_highly_compressed_part_is_refused():
    data = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * (20 * 1024 * 1024)})
    with pytest.raises(DocumentError, match="expands .* times its stored size"):
        read_agenda_document("bomb.docx", data)


def test_too_many_zip_entries_is_refused():
    data = zip_bytes({f"word/media/{n}.txt": b"x" for n in range(1001)})
    with pytest.raises(DocumentError, match="1001 parts"):
        read_agenda_document("many.docx", data)


def test_password_protected_office_file_is_explained():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512
    with pytest.raises(DocumentError, match="protected by a password or saved in the old Word"):
        read_agenda_document("agenda.docx", ole)
    with pytest.raises(DocumentError, match="old Word \\(.doc\\) format"):
        read_agenda_document("agenda.doc", ole)


# --- PDF -----------------------------------------------------------------------------------


def test_pdf_agenda():
    data = make_pdf(
        [
            [
                "Primary Care Commissioning Committee",
                "Agenda",
                "1. Welcome and apologies",
                "2. Riverside Surgery \u2013 APMS contract award",
                "The committee is asked to approve",
                "1",
            ],
            [
                "Primary Care Commissioning Committee",
                "3. Hillside Surgery branch closure",
                "4. Any other business",
                "2",
            ],
        ]
    )
    items = read_agenda_document("agenda.pdf", data)
    assert items == [
        ParsedItem("1", "Welcome and apologies"),
        ParsedItem("2", "Riverside Surgery", "APMS contract award The committee is asked to approve"),
        ParsedItem("3", "Hillside Surgery branch closure"),
        ParsedItem("4", "Any other business"),
    ]


def test_pdf_table_layout_with_numbers_on_their_own_lines():
    data = make_pdf([["Item", "Title", "1", "Welcome", "2", "Oak Tree Surgery merger"]])
    assert [(i.item_id, i.title) for i in read_agenda_document("a.pdf", data)] == [
        ("1", "Welcome"),
        ("2", "Oak Tree Surgery merger"),
    ]


def test_pdf_with_owner_password_only_is_read():
    data = encrypt_pdf(make_pdf([["1. Welcome"]]), user_password="")
    assert read_agenda_document("agenda.pdf", data) == [ParsedItem("1", "Welcome")]


def test_password_protected_pdf_is_refused():
    data = encrypt_pdf(make_pdf([["1. Welcome"]]), user_password="secret")
    with pytest.raises(DocumentError) as err:
        read_agenda_document("agenda.pdf", data)
    assert str(err.value).startswith("The file 'agenda.pdf' is protected by a password.")


def test_corrupt_pdf_is_refused():
    with pytest.raises(DocumentError, match="could not be read as a PDF"):
        read_agenda_document("agenda.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R\n%%EOF")
    good = make_pdf([["1. Welcome"]])
    with pytest.raises(DocumentError, match="could not be read as a PDF|No agenda items"):
        read_agenda_document("agenda.pdf", good[:60])


def test_pdf_with_too_many_pages_is_refused():
    data = make_pdf([[f"{n}. Item"] for n in range(1, MAX_PDF_PAGES + 2)])
    with pytest.raises(DocumentError, match=f"has {MAX_PDF_PAGES + 1} pages"):
        read_agenda_document("long.pdf", data)


def test_pdf_without_text_suggests_the_original():
    with pytest.raises(DocumentError, match="If it is a scanned image"):
        read_agenda_document("scan.pdf", make_pdf([[]]))


def test_non_pdf_named_pdf_is_refused():
    with pytest.raises(DocumentError) as err:
        read_agenda_document("agenda.pdf", save(docx.Document()))
    assert str(err.value) == (
        "The file 'agenda.pdf' is named .pdf but is not a PDF document: "
        "it is a zip archive (such as a Word or Excel file)."
    )


# --- general refusals ----------------------------------------------------------------------


def test_empty_file():
    with pytest.raises(DocumentError) as err:
        read_agenda_document("C:\\fakepath\\agenda.pdf", b"")
    assert str(err.value) == "The file 'agenda.pdf' is empty."


def test_file_over_the_size_limit():
    with pytest.raises(DocumentError) as err:
        read_agenda_document("agenda.txt", b"1 Welcome\n" * 2000, max_bytes=10_000)
    assert str(err.value) == "The file 'agenda.txt' is 20 KB; the largest agenda file accepted is 10 KB."


@pytest.mark.parametrize(
    "filename, data, fragment",
    [
        ("agenda.txt", b"%PDF-1.4 rest", "named .txt but is not a text file: it is a PDF document"),
        ("agenda.csv", b"\x89PNG\r\n\x1a\n....", "named .csv but is not a text file: it is an image"),
        ("agenda.txt", b"1 Welcome\x00\x01\x02", "it contains binary data"),
        ("agenda.txt", b"1 Welcome \x81\x8d", "is not a readable text file"),
        ("agenda.txt", b"1 Welcome \x1b[31m", "is not a readable text file"),
        ("agenda.xlsx", b"PK\x03\x04", "is a .xlsx file; agenda files must be .docx, .pdf, .csv or .txt"),
        ("agenda", b"1 Welcome", "is a file without an extension"),
        ("agenda.txt", b"Agenda\n\n", "No agenda items were found in 'agenda.txt'."),
    ],
)
def test_mismatched_or_unreadable_files(filename, data, fragment):
    with pytest.raises(DocumentError) as err:
        read_agenda_document(filename, data)
    assert fragment in str(err.value)
    assert isinstance(err.value, Exception)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from(["a.pdf", "a.docx", "a.csv", "a.txt"]))
def test_arbitrary_bytes_either_parse_or_raise_document_error(data, filename):
    try:
        items = read_agenda_document(filename, data)
    except DocumentError as err:
        assert "'a." in str(err)
    else:
        assert items and len(set(ids(items))) == len(items)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_mangled_docx_and_pdf_never_escape_as_other_errors(data):
    document = docx.Document()
    document.add_paragraph("1. Welcome")
    source = data.draw(st.sampled_from([save(document), make_pdf([["1. Welcome", "2. Minutes"]])]))
    position = data.draw(st.integers(0, len(source) - 1))
    junk = data.draw(st.binary(min_size=1, max_size=16))
    mangled = source[:position] + junk + source[position + len(junk) :]
    filename = "a.pdf" if source.startswith(b"%PDF") else "a.docx"
    try:
        read_agenda_document(filename, mangled)
    except DocumentError:
        pass


def test_document_error_is_an_exception_with_message():
    err = DocumentError("The file 'x.pdf' is empty.")
    assert isinstance(err, Exception) and str(err) == err.message == "The file 'x.pdf' is empty."
    _ = copy.copy(err)


def test_text_with_absurdly_many_lines_is_refused_quickly():
    import time

    started = time.monotonic()
    with pytest.raises(DocumentError, match="more than 20,000 lines"):
        read_agenda_document("agenda.txt", b"1 A\n" * 2_000_000)
    assert time.monotonic() - started < 10


def test_docx_with_absurdly_many_paragraphs_is_refused():
    document = docx.Document()
    body = document.element.body
    template = document.add_paragraph("1. Welcome")._p
    for _ in range(20_001):
        body.append(copy.deepcopy(template))
    with pytest.raises(DocumentError, match="more than 20,000 lines"):
        read_agenda_document("agenda.docx", save(document))


def test_docx_typed_numbers_in_descriptions_do_not_clash_with_word_numbering():
    document = docx.Document()
    document.add_paragraph("Welcome", style="List Number")
    document.add_paragraph("Riverside Surgery merger", style="List Number")
    document.add_paragraph("1. Patients keep their registration")
    items = read_agenda_document("a.docx", save(document))
    assert items == [
        ParsedItem("1", "Welcome"),
        ParsedItem("2", "Riverside Surgery merger", "1. Patients keep their registration"),
    ]
