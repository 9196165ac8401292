"""The task sheet as the référents already keep it: CSV (`;` or `,`, UTF-8 with or without BOM) or ODS.

One row per task under exactly the HEADERS. Pure Python (no Django): `read_rows` turns a file into numbered raw
rows, `parse_row` checks one and says in French what is wrong, `write_csv` and `write_ods` write the sheet back.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from zipfile import BadZipFile

HEADERS = [
    "service", "referent", "tache", "outil", "frequence_par_mois", "minutes_par_occurrence", "agents_concernes",
    "repetitivite", "donnees_numeriques", "donnees_personnelles", "decision_sur_personnes", "commentaire",
]  # fmt: skip
REQUIRED = ["service", "tache", "frequence_par_mois", "minutes_par_occurrence", "repetitivite", "donnees_numeriques",
            "donnees_personnelles", "decision_sur_personnes"]  # fmt: skip
YES = {"oui", "o", "vrai", "x", "1", "yes", "true"}
NO = {"non", "n", "faux", "0", "no", "false"}
MAX_FREQUENCY = Decimal(100_000)  # per month, for the whole service
MAX_MINUTES = Decimal(10_080)  # a week
MAX_ROWS = 20_000
ODS_REPEAT_CAP = 64  # an ODS row or cell « repeated 1,000,000 times » is filler, not data


class SheetError(ValueError):
    """The file as a whole cannot be read (format, headers): nothing is imported."""


@dataclass(frozen=True)
class TaskRow:
    service: str
    referent: str
    title: str
    tool: str
    frequency_per_month: Decimal
    minutes_per_occurrence: Decimal
    agents: int | None
    repetitiveness: int
    digital_input: int
    personal_data: bool
    decision_about_people: bool
    comment: str


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"ligne {self.line} : {self.reason}"


# Reading


def read_rows(name: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line number, {header: text}) for each non-empty row; the header row is line 1."""
    table = _ods_table(data) if name.lower().endswith(".ods") or data[:2] == b"PK" else _csv_table(data)
    if not table:
        raise SheetError("le fichier est vide")
    _header_line, header = table[0]
    columns = _columns(header)
    rows = []
    for line, cells in table[1:]:
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise SheetError(f"plus de {MAX_ROWS} lignes : découpez le fichier")
        rows.append((line, {key: (cells[i].strip() if i < len(cells) else "") for key, i in columns.items()}))
    return rows


def _columns(header: list[str]) -> dict[str, int]:
    names = [cell.strip().lower() for cell in header]
    while names and not names[-1]:
        names.pop()
    unknown = [n for n in names if n not in HEADERS]
    missing = [h for h in HEADERS if h not in names]
    if unknown or missing:
        detail = []
        if missing:
            detail.append("colonnes manquantes : " + ", ".join(missing))
        if unknown:
            detail.append("colonnes inconnues : " + ", ".join(n or "(sans nom)" for n in unknown))
        raise SheetError(f"en-têtes attendus sur la ligne 1 : {';'.join(HEADERS)} ({' ; '.join(detail)})")
    if len(set(names)) != len(names):
        raise SheetError("une colonne apparaît deux fois sur la ligne 1")
    return {name: names.index(name) for name in HEADERS}


def _csv_table(data: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SheetError(
            f"le fichier n'est pas en UTF-8 (octet illisible à la position {exc.start}) : "
            "enregistrez-le en « CSV UTF-8 »"
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table, start = [], 1
    try:
        for cells in reader:
            table.append((start, cells))
            start = reader.line_num + 1  # a quoted cell may span several lines: a row is named by its first line
    except csv.Error as exc:
        raise SheetError(f"CSV illisible vers la ligne {reader.line_num} : {exc}") from None
    return table


def _ods_table(data: bytes) -> list[tuple[int, list[str]]]:
    from odf import opendocument, table, text  # odfpy; imported here: the CSV path does not need it

    try:
        document = opendocument.load(io.BytesIO(data))
    except (BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SheetError(f"fichier ODS illisible ({exc})") from None
    sheets = document.spreadsheet.getElementsByType(table.Table)
    if not sheets:
        raise SheetError("le fichier ODS n'a aucune feuille")
    rows, line = [], 0
    for row in sheets[0].getElementsByType(table.TableRow):
        repeat = int(row.getAttribute("numberrowsrepeated") or 1)
        cells = []
        for cell in row.childNodes:
            if cell.qname[1] not in {"table-cell", "covered-table-cell"}:
                continue
            times = min(int(cell.getAttribute("numbercolumnsrepeated") or 1), ODS_REPEAT_CAP)
            cells += [_ods_value(cell, text)] * times
        for k in range(min(repeat, ODS_REPEAT_CAP)):
            rows.append((line + k + 1, list(cells)))
        line += repeat  # line numbers stay those LibreOffice shows
    return rows


def _ods_value(cell, text) -> str:
    """A number cell's exact value (« 2.5 »), otherwise its text, paragraphs joined by a space."""
    if cell.getAttribute("valuetype") in {"float", "percentage", "currency"}:
        return cell.getAttribute("value") or ""
    if cell.getAttribute("valuetype") == "boolean":
        return "oui" if cell.getAttribute("booleanvalue") == "true" else "non"
    return " ".join(str(p) for p in cell.getElementsByType(text.P))


# Checking


def parse_row(line: int, raw: dict[str, str]) -> TaskRow | RowError:
    """The row as typed values, or the first thing wrong with it, in French."""
    empty = [h for h in REQUIRED if not raw[h]]
    if empty:
        return RowError(line, f"valeur manquante : {', '.join(empty)}")
    try:
        return TaskRow(
            service=_text(raw, "service", 100),
            referent=_text(raw, "referent", 200),
            title=_text(raw, "tache", 300),
            tool=_text(raw, "outil", 200),
            frequency_per_month=_decimal(raw, "frequence_par_mois", MAX_FREQUENCY),
            minutes_per_occurrence=_decimal(raw, "minutes_par_occurrence", MAX_MINUTES),
            agents=_integer(raw, "agents_concernes", 1, 100_000) if raw["agents_concernes"] else None,
            repetitiveness=_integer(raw, "repetitivite", 1, 5),
            digital_input=_integer(raw, "donnees_numeriques", 1, 5),
            personal_data=_yes_no(raw, "donnees_personnelles"),
            decision_about_people=_yes_no(raw, "decision_sur_personnes"),
            comment=_text(raw, "commentaire", 2000),
        )
    except ValueError as exc:
        return RowError(line, str(exc))


def _text(raw: dict[str, str], key: str, limit: int) -> str:
    value = re.sub(r"\s+", " ", raw[key]).strip()
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        value = value[1:]  # the apostrophe our own export adds before a formula-like text
    if len(value) > limit:
        raise ValueError(f"{key} : {len(value)} caractères, {limit} au plus")
    return value


def _number(raw: dict[str, str], key: str) -> Decimal:
    """« 2,5 », « 2.5 », « 1 200 » (spaces of thousands) are numbers; « 1.200,5 » is ambiguous, refused."""
    value = re.sub(r"[\s\u00a0\u202f]", "", raw[key])
    if "," in value and "." in value:
        raise ValueError(f"{key} : « {raw[key]} » n'est pas un nombre (écrivez par exemple 2,5)")
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{key} : « {raw[key]} » n'est pas un nombre (écrivez par exemple 2,5)") from None
    if not number.is_finite():
        raise ValueError(f"{key} : « {raw[key]} » n'est pas un nombre")
    return number


def _decimal(raw: dict[str, str], key: str, maximum: Decimal) -> Decimal:
    number = _number(raw, key)
    if number <= 0 or number > maximum:
        raise ValueError(f"{key} : {raw[key]} hors des limites (plus de 0, {maximum} au plus)")
    rounded = number.quantize(Decimal("0.01"))
    if rounded == 0:
        raise ValueError(f"{key} : {raw[key]} est trop petit (0,01 au moins)")
    return rounded


def _integer(raw: dict[str, str], key: str, low: int, high: int) -> int:
    number = _number(raw, key)
    if number != number.to_integral_value():
        raise ValueError(f"{key} : « {raw[key]} » doit être un nombre entier")
    if not low <= number <= high:
        raise ValueError(f"{key} : {raw[key]} hors des limites ({low} à {high})")
    return int(number)


def _yes_no(raw: dict[str, str], key: str) -> bool:
    value = raw[key].strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValueError(f"{key} : « {raw[key]} » n'est ni oui ni non")


def parse(rows: list[tuple[int, dict[str, str]]]) -> tuple[list[TaskRow], list[RowError]]:
    """Every valid row once; a second row for the same service and task is refused (the first one stands)."""
    good: list[TaskRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str], int] = {}
    for line, raw in rows:
        parsed = parse_row(line, raw)
        if isinstance(parsed, RowError):
            errors.append(parsed)
            continue
        key = task_key(parsed.service, parsed.title)
        if key in seen:
            errors.append(RowError(line, f"la tâche « {parsed.title} » du service {parsed.service} est déjà "
                                         f"ligne {seen[key]}"))  # fmt: skip
            continue
        seen[key] = line
        good.append(parsed)
    return good, errors


def task_key(service: str, title: str) -> tuple[str, str]:
    return service.casefold(), title.casefold()


# Writing


FORMULA_STARTS = tuple("=+-@\t\r")


def cells(row: TaskRow) -> list[str]:
    """The row as the sheet writes it: French decimals, oui/non."""
    return [
        row.service, row.referent, row.title, row.tool, _french(row.frequency_per_month),
        _french(row.minutes_per_occurrence), "" if row.agents is None else str(row.agents), str(row.repetitiveness),
        str(row.digital_input), "oui" if row.personal_data else "non", "oui" if row.decision_about_people else "non",
        row.comment,
    ]  # fmt: skip


def _french(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text.replace(".", ",")


def _safe(value: str) -> str:
    # A spreadsheet runs a cell starting with one of these as a formula (OWASP, CSV injection).
    return f"'{value}" if value.startswith(FORMULA_STARTS) and not re.fullmatch(r"-?[\d,]+", value) else value


def write_csv(rows: list[TaskRow]) -> bytes:
    """UTF-8 with BOM, `;`: what a French spreadsheet opens without asking."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([_safe(c) for c in cells(row)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


NUMERIC = {"frequence_par_mois", "minutes_par_occurrence", "agents_concernes", "repetitivite", "donnees_numeriques"}


def write_ods(rows: list[TaskRow], sheet_name: str = "Tâches") -> bytes:
    from odf import opendocument, table, text

    document = opendocument.OpenDocumentSpreadsheet()
    sheet = table.Table(name=sheet_name)
    sheet.addElement(_ods_row(table, text, [(h, None) for h in HEADERS]))
    for row in rows:
        values = cells(row)
        typed = [(v, _ods_number(v) if h in NUMERIC else None) for h, v in zip(HEADERS, values, strict=True)]
        sheet.addElement(_ods_row(table, text, typed))
    document.spreadsheet.addElement(sheet)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def _ods_number(value: str) -> str | None:
    return value.replace(",", ".") if value else None


def _ods_row(table, text, values: list[tuple[str, str | None]]):
    row = table.TableRow()
    for shown, number in values:
        cell = table.TableCell(valuetype="float", value=number) if number else table.TableCell(valuetype="string")
        cell.addElement(text.P(text=shown))
        row.addElement(cell)
    return row
