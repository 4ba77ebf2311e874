"""Forms from JSON Schema: field specs, typed parsing, Indonesian messages, rendered HTML."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask_babel import Babel
from jsonschema import Draft202012Validator
from werkzeug.datastructures import FileStorage, MultiDict

from app import formrender
from app.formrender import ALL, FormSpec, build_spec, load_spec, parse_submission, validate

FORMS_DIR = Path(__file__).resolve().parent.parent / "forms"
FORM_FILES = sorted(FORMS_DIR.glob("*.schema.json")) if FORMS_DIR.is_dir() else []

RATINGS = [
    {"const": 1, "title": "Tidak baik"},
    {"const": 2, "title": "Kurang baik"},
    {"const": 3, "title": "Baik"},
    {"const": 4, "title": "Sangat baik"},
]
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "jenis": {
            "type": "string",
            "title": "Jenis",
            "oneOf": [
                {"const": "saran", "title": "Saran"},
                {"const": "keluhan", "title": "Keluhan"},
            ],
        },
        "judul": {"type": "string", "title": "Judul", "minLength": 5, "maxLength": 20},
        "uraian": {"type": "string", "title": "Uraian", "description": "Ceritakan."},
        "nik": {"type": "string", "title": "NIK", "pattern": "^[0-9]{16}$", "x-identitas": True},
        "telepon": {"type": "string", "title": "Telepon", "pattern": "^(\\+62|0)[0-9]{8,13}$"},
        "email": {"type": "string", "title": "Surel", "format": "email"},
        "tanggal": {"type": "string", "title": "Tanggal kejadian", "format": "date"},
        "nilai": {
            "type": "integer",
            "title": "Nilai",
            "minimum": 1,
            "maximum": 4,
            "oneOf": RATINGS,
        },
        "jumlah": {"type": "number", "title": "Jumlah", "minimum": 0, "maximum": 10},
        "perlu_koordinasi": {"type": "boolean", "title": "Perlu koordinasi?"},
        "bidang": {
            "type": "string",
            "title": "Bidang teknis",
            "oneOf": [
                {"const": "pp", "title": "Pendaftaran Penduduk"},
                {"const": "pcs", "title": "Pencatatan Sipil"},
            ],
        },
        "setuju": {"type": "boolean", "title": "Setuju"},
        "saluran": {
            "type": "array",
            "title": "Saluran",
            "items": {
                "oneOf": [{"const": "sms", "title": "SMS"}, {"const": "wa", "title": "WhatsApp"}]
            },
            "uniqueItems": True,
        },
        "layanan": {
            "type": "array",
            "title": "Layanan",
            "items": {
                "oneOf": [
                    {"const": "kk", "title": "Kartu Keluarga"},
                    {"const": "kia", "title": "KIA"},
                ]
            },
            "uniqueItems": True,
        },
        "lampiran": {
            "type": "array",
            "title": "Lampiran",
            "items": {"type": "string"},
            "maxItems": 2,
        },
        "token": {"type": "string", "title": "Token"},
    },
    "required": ["jenis", "judul"],
    "anyOf": [{"required": ["telepon"]}, {"required": ["email"]}],
    "allOf": [
        {
            "if": {
                "properties": {"perlu_koordinasi": {"const": True}},
                "required": ["perlu_koordinasi"],
            },
            "then": {"required": ["bidang"]},
        }
    ],
    "additionalProperties": False,
}
UI: dict[str, Any] = {
    "ui:order": ["judul", "jenis", "uraian"],
    "uraian": {"ui:widget": "textarea", "ui:help": "Jangan tulis data orang lain."},
    "perlu_koordinasi": {"ui:widget": "radio"},
    "nilai": {"ui:widget": "radio"},
    "layanan": {"ui:widget": "select"},
    "lampiran": {"ui:widget": "file"},
    "token": {"ui:widget": "hidden"},
    "telepon": {"ui:options": {"inputType": "tel"}},
}
VALID = {"jenis": "saran", "judul": "Antrean lama", "email": "warga@contoh.id"}
MACROS = '{% from "formrender/macros.html" import render_form, render_readonly %}'


@pytest.fixture()
def spec() -> FormSpec:
    return build_spec(SCHEMA, UI)


@pytest.fixture()
def app() -> Iterator[Flask]:
    app = Flask(__name__)
    app.config.update(TESTING=True, BABEL_DEFAULT_LOCALE="id")
    Babel(app)
    formrender.init_app(app)
    with app.test_request_context():
        yield app


def render_form(spec: FormSpec, values: Any = None, errors: Any = None, **kwargs: Any) -> str:
    template = MACROS + "{{ render_form(spec, values, errors, **kwargs) }}"
    return render_template_string(template, spec=spec, values=values, errors=errors, kwargs=kwargs)


def render_readonly(spec: FormSpec, data: dict[str, Any], **kwargs: Any) -> str:
    template = MACROS + "{{ render_readonly(spec, data, **kwargs) }}"
    return render_template_string(template, spec=spec, data=data, kwargs=kwargs)


# --- FormSpec ---------------------------------------------------------------------------------


def test_fields_follow_ui_order_then_the_schema(spec: FormSpec) -> None:
    names = [f.name for f in spec.fields]
    assert names[:4] == ["judul", "jenis", "uraian", "nik"]
    assert sorted(names) == sorted(SCHEMA["properties"])


def test_widgets_come_from_types_and_ui_hints(spec: FormSpec) -> None:
    widgets = {f.name: f.widget for f in spec.fields}
    assert widgets == {
        "judul": "text",
        "jenis": "radio",
        "uraian": "textarea",
        "nik": "text",
        "telepon": "text",
        "email": "email",
        "tanggal": "date",
        "nilai": "radio",
        "jumlah": "number",
        "perlu_koordinasi": "radio",
        "bidang": "radio",
        "setuju": "checkbox",
        "saluran": "checkboxes",
        "layanan": "select",
        "lampiran": "file",
        "token": "hidden",
    }
    assert spec.get("telepon").input_type == "tel"  # type: ignore[union-attr]
    assert spec.has_files


def test_many_choices_become_a_select_list() -> None:
    options = [{"const": str(i), "title": f"Pilihan {i}"} for i in range(8)]
    spec = build_spec({"type": "object", "properties": {"x": {"type": "string", "oneOf": options}}})
    assert spec.fields[0].widget == "select"
    assert spec.fields[0].title == "x"


def test_choices_keep_values_and_labels(spec: FormSpec) -> None:
    nilai = spec.get("nilai")
    assert nilai is not None
    assert [(c.value, c.label) for c in nilai.choices][:2] == [
        (1, "Tidak baik"),
        (2, "Kurang baik"),
    ]
    koordinasi = spec.get("perlu_koordinasi")
    assert koordinasi is not None
    assert [(c.token, c.label) for c in koordinasi.choices] == [("true", "Ya"), ("false", "Tidak")]


def test_required_and_conditionally_required_fields(spec: FormSpec) -> None:
    fields = {f.name: f for f in spec.fields}
    assert fields["jenis"].required and fields["judul"].required
    assert not fields["bidang"].required
    assert fields["bidang"].condition_note == "Wajib diisi bila “Perlu koordinasi?” dipilih “Ya”."
    assert fields["telepon"].condition_note == "Isi salah satu: Telepon atau Surel."
    assert fields["email"].condition_note == "Isi salah satu: Telepon atau Surel."
    assert fields["uraian"].condition_note == ""


def test_help_that_already_says_wajib_gets_no_second_note() -> None:
    ui = {"bidang": {"ui:help": "Wajib dipilih bila perlu koordinasi."}}
    assert build_spec(SCHEMA, ui).get("bidang").condition_note == ""  # type: ignore[union-attr]


def test_constraints_become_html_attributes(spec: FormSpec) -> None:
    fields = {f.name: f for f in spec.fields}
    # A digits field is cleaned by the server (spaces, dashes): the browser must not refuse it.
    assert fields["nik"].attrs == {"inputmode": "numeric"}
    assert "inputmode" not in fields["telepon"].attrs
    # Counted, not cut: no `maxlength` that would silently truncate a pasted text.
    assert fields["judul"].attrs == {"minlength": "5", "data-maxlength": "20"}
    assert fields["jumlah"].attrs == {"min": "0", "max": "10", "step": "any"}
    assert fields["lampiran"].attrs == {"multiple": "multiple"}
    assert fields["nik"].identity and not fields["judul"].identity


# --- parse_submission -------------------------------------------------------------------------


def test_submission_is_parsed_into_typed_data(spec: FormSpec) -> None:
    form = MultiDict(
        [
            ("judul", "  Antrean lama "),
            ("jenis", "saran"),
            ("uraian", ""),
            ("nilai", "3"),
            ("jumlah", "2,5"),
            ("perlu_koordinasi", "false"),
            ("saluran", "sms"),
            ("saluran", "wa"),
            ("tanggal", "2026-12-05"),
            ("nik", "1605 0123 4567 8901"),
            ("csrf_token", "abc"),
        ]
    )
    data, uploads = parse_submission(spec, form)
    assert data == {
        "judul": "Antrean lama",
        "jenis": "saran",
        "nilai": 3,
        "jumlah": 2.5,
        "perlu_koordinasi": False,
        "saluran": ["sms", "wa"],
        "tanggal": "2026-12-05",
        "nik": "1605012345678901",
        "setuju": False,
    }
    assert uploads == {}


def test_checkbox_sends_true_and_text_that_is_no_number_stays_text(spec: FormSpec) -> None:
    data, _ = parse_submission(spec, MultiDict({"setuju": "true", "nilai": "tiga"}))
    assert data["setuju"] is True
    assert data["nilai"] == "tiga"
    assert validate(SCHEMA, {**VALID, **data})["nilai"] == ["Jenis isian tidak sesuai."]


def test_files_are_returned_apart_from_the_data(spec: FormSpec) -> None:
    files = MultiDict(
        [
            ("lampiran", FileStorage(io.BytesIO(b"%PDF-1.4"), filename="surat.pdf")),
            ("lampiran", FileStorage(io.BytesIO(b""), filename="")),
        ]
    )
    data, uploads = parse_submission(spec, MultiDict(), files)
    assert "lampiran" not in data
    assert [f.filename for f in uploads["lampiran"]] == ["surat.pdf"]


def test_hidden_fields_are_not_taken_from_the_browser(spec: FormSpec) -> None:
    data, _ = parse_submission(
        spec, MultiDict({"nik": "1" * 16, "judul": "x"}), hidden_fields=["nik"]
    )
    assert "nik" not in data and data["judul"] == "x"


# --- validate ---------------------------------------------------------------------------------


def test_valid_data_has_no_errors() -> None:
    assert validate(SCHEMA, VALID) == {}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"judul": None}, "judul", "Wajib diisi."),
        ({"nik": "160501234567890"}, "nik", "Harus 16 digit angka."),
        ({"telepon": "12345"}, "telepon", "Format tidak sesuai."),
        ({"judul": "abc"}, "judul", "Minimal 5 karakter."),
        ({"judul": "x" * 21}, "judul", "Maksimal 20 karakter."),
        ({"jumlah": -1}, "jumlah", "Nilai paling kecil 0."),
        ({"jumlah": 11}, "jumlah", "Nilai paling besar 10."),
        ({"jenis": "lainnya"}, "jenis", "Pilihan tidak valid."),
        ({"nilai": 5}, "nilai", "Pilihan tidak valid."),
        ({"saluran": ["fax"]}, "saluran", "Pilihan tidak valid."),
        ({"email": "warga@"}, "email", "Alamat surel tidak valid."),
        ({"tanggal": "05-12-2026"}, "tanggal", "Tanggal tidak valid (format TTTT-BB-HH)."),
        ({"tanggal": "2026-02-30"}, "tanggal", "Tanggal tidak valid (format TTTT-BB-HH)."),
        ({"setuju": "ya"}, "setuju", "Jenis isian tidak sesuai."),
        ({"lampiran": ["a", "b", "c"]}, "lampiran", "Maksimal 2 berkas."),
        ({"saluran": ["sms", "sms"]}, "saluran", "Pilihan tidak boleh berulang."),
        ({"liar": "x"}, ALL, "Isian tidak dikenal: liar."),
    ],
)
def test_each_kind_of_error_is_told_in_indonesian(
    change: dict[str, Any], field: str, message: str
) -> None:
    data = {k: v for k, v in {**VALID, **change}.items() if v is not None}
    assert message in validate(SCHEMA, data).get(field, [])


def test_fifteen_digit_nik_is_told_it_needs_sixteen_digits() -> None:
    assert validate(SCHEMA, {**VALID, "nik": "1" * 15}) == {"nik": ["Harus 16 digit angka."]}


def test_one_of_two_contacts_is_asked_on_both_fields() -> None:
    data = {"jenis": "saran", "judul": "Antrean lama"}
    errors = validate(SCHEMA, data)
    assert errors == {
        "telepon": ["Isi salah satu: Telepon atau Surel."],
        "email": ["Isi salah satu: Telepon atau Surel."],
    }


def test_if_then_requirement_lands_on_the_then_field() -> None:
    assert validate(SCHEMA, {**VALID, "perlu_koordinasi": True}) == {"bidang": ["Wajib diisi."]}
    assert validate(SCHEMA, {**VALID, "perlu_koordinasi": False}) == {}


def test_messages_work_without_an_application() -> None:
    assert validate(SCHEMA, {"judul": "abc"})["judul"] == ["Minimal 5 karakter."]


# --- rendering --------------------------------------------------------------------------------


def test_first_display_shows_defaults_labels_help_and_required_marks(app: Flask) -> None:
    schema = {**SCHEMA, "properties": {**SCHEMA["properties"]}}
    schema["properties"]["jenis"] = {**SCHEMA["properties"]["jenis"], "default": "keluhan"}
    html = render_form(build_spec(schema, UI))
    assert '<label for="f-judul">Judul <abbr title="wajib">*</abbr></label>' in html
    assert 'id="f-jenis-1" name="jenis" value="keluhan" checked' in html
    assert 'id="f-uraian-hint"><p>Ceritakan.</p><p>Jangan tulis data orang lain.</p>' in html
    assert 'aria-describedby="f-uraian-hint"' in html
    assert 'class="field-condition">Isi salah satu: Telepon atau Surel.' in html
    assert "aria-invalid" not in html and "error-summary" not in html
    assert 'inputmode="numeric"' in html and 'type="tel"' in html


def test_values_are_kept_after_an_error(app: Flask, spec: FormSpec) -> None:
    form = MultiDict(
        [
            ("judul", "abc"),
            ("jenis", "keluhan"),
            ("uraian", "Baris satu\nBaris <dua>"),
            ("nilai", "4"),
            ("perlu_koordinasi", "true"),
            ("setuju", "true"),
            ("saluran", "wa"),
            ("layanan", "kk"),
            ("layanan", "kia"),
            ("tanggal", "2026-12-05"),
            ("nik", "160501234567890"),
        ]
    )
    data, _ = parse_submission(spec, form)
    html = render_form(spec, data, validate(SCHEMA, data))
    assert 'name="judul" minlength="5" data-maxlength="20" required' in html
    assert 'value="abc"' in html
    assert 'value="keluhan" checked' in html and 'value="saran" checked' not in html
    assert ">Baris satu\nBaris &lt;dua&gt;</textarea>" in html
    assert 'name="nilai" value="4" checked' in html
    assert 'name="perlu_koordinasi" value="true" checked' in html
    assert 'name="setuju" value="true" checked' in html
    assert 'name="saluran" value="wa" checked' in html and 'value="sms" checked' not in html
    assert '<option value="kk" selected>' in html and '<option value="kia" selected>' in html
    assert 'value="2026-12-05"' in html
    assert 'value="160501234567890"' in html


def test_errors_are_summarised_and_shown_beside_their_fields(app: Flask, spec: FormSpec) -> None:
    data = {"judul": "abc", "nik": "1" * 15, "perlu_koordinasi": True, "liar": 1}
    html = render_form(spec, data, validate(SCHEMA, data))
    assert 'class="error-summary" role="alert"' in html
    assert '<a href="#f-nik">NIK: Harus 16 digit angka.</a>' in html
    assert '<a href="#f-jenis-0">Jenis: Wajib diisi.</a>' in html
    assert "<li>Isian tidak dikenal: liar.</li>" in html
    assert '<p class="field-error" id="f-nik-error">' in html
    assert 'aria-describedby="f-nik-error" aria-invalid="true"' in html
    assert 'id="f-bidang-0" name="bidang" value="pp" aria-invalid="true"' in html
    assert "Bidang teknis: Wajib diisi." in html


def test_hidden_widgets_and_hidden_fields_are_not_displayed(app: Flask, spec: FormSpec) -> None:
    html = render_form(spec, {"token": "t-1", "nik": "1" * 16}, hidden_fields=["nik"])
    assert '<input type="hidden" name="token" value="t-1">' in html
    assert 'id="f-token"' not in html
    assert "nik" not in html and "1" * 16 not in html


def test_readonly_shows_labels_not_codes(app: Flask, spec: FormSpec) -> None:
    data = {
        "jenis": "keluhan",
        "nilai": 4,
        "perlu_koordinasi": False,
        "setuju": True,
        "tanggal": "2026-12-05",
        "saluran": ["sms", "wa"],
        "judul": "Antrean <lama>",
        "nik": "1" * 16,
    }
    html = render_readonly(spec, data, hidden_fields=["nik"])
    assert "<dt>Jenis</dt>" in html and ">Keluhan</dd>" in html and ">keluhan<" not in html
    assert ">Sangat baik</dd>" in html
    assert ">Tidak</dd>" in html and ">Ya</dd>" in html
    assert ">5 Desember 2026</dd>" in html
    assert ">SMS, WhatsApp</dd>" in html
    assert "Antrean &lt;lama&gt;" in html
    assert "NIK" not in html and "1" * 16 not in html
    assert "Uraian" not in html  # unanswered fields are left out


def test_readonly_links_attachments(app: Flask, spec: FormSpec) -> None:
    attachments = {"a1": {"name": "surat.pdf", "url": "/berkas/a1"}}
    html = render_readonly(spec, {"lampiran": ["a1", "a2"]}, attachments=attachments)
    assert '<li><a href="/berkas/a1">surat.pdf</a></li>' in html
    assert "<li>a2</li>" in html


# --- the project's own forms ------------------------------------------------------------------


@pytest.mark.parametrize("schema_path", FORM_FILES, ids=lambda p: p.name)
def test_every_project_form_builds_and_renders(app: Flask, schema_path: Path) -> None:
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    spec = load_spec(schema_path)
    assert [f.name for f in spec.fields] and all(f.title for f in spec.fields)
    data, _ = parse_submission(spec, MultiDict())
    errors = validate(schema, data)
    html = render_form(spec, data, errors)
    for field in spec.visible():
        assert f'id="{field.anchor}"' in html
    assert render_readonly(spec, spec.defaults)


def test_project_complaint_form_asks_nik_for_own_data(app: Flask) -> None:
    path = FORMS_DIR / "pengajuan.schema.json"
    if not path.exists():
        pytest.skip("forms/pengajuan.schema.json not written yet")
    spec = load_spec(path)
    form = MultiDict({"menyangkut_data_sendiri": "true", "nik": "123456789012345"})
    data, _ = parse_submission(spec, form)
    errors = validate(spec.schema, data)
    assert errors["nik"] == ["Harus 16 digit angka."]
    assert errors["no_kk"] == ["Wajib diisi."]
    assert spec.get("nik").attrs["inputmode"] == "numeric"  # type: ignore[union-attr]


def test_macros_render_without_flask_babel(spec: FormSpec) -> None:
    bare = Flask(__name__)
    formrender.init_app(bare)
    with bare.test_request_context():
        html = render_form(spec, {"perlu_koordinasi": True}, {"bidang": ["Wajib diisi."]})
    assert "Ada isian yang perlu diperbaiki" in html and 'title="wajib"' in html


def _real_spec(name: str) -> FormSpec:
    return load_spec(FORMS_DIR / f"{name}.schema.json")


def test_fields_that_matter_only_after_a_choice_say_which_choice() -> None:
    confirm = _real_spec("konfirmasi_jawaban")
    assert confirm.get("alasan_tidak_sesuai").show_when == ({"sesuai_harapan": ("false",)},)
    assert confirm.get("nilai_kepuasan").show_when == ({"sesuai_harapan": ("true",)},)
    assert confirm.get("sesuai_harapan").show_when == ()
    study = _real_spec("telaah")
    assert study.get("bidang_teknis").show_when == ({"perlu_koordinasi": ("true",)},)
    verify = _real_spec("verifikasi")
    assert verify.get("data_yang_diminta").show_when == ({"keputusan_verifikasi": ("minta_data",)},)
    # Identity fields stay in view even where a condition makes them required.
    start = _real_spec("pengajuan")
    assert start.get("nik").show_when == () and start.get("no_kk").show_when == ()


def test_conditional_fields_carry_their_rule_and_the_page_gets_the_script(app: Flask) -> None:
    with app.test_request_context():
        html = render_form(_real_spec("konfirmasi_jawaban"))
        plain = render_form(_real_spec("susun_jawaban"))
    rule = 'data-show-when="[{&#34;sesuai_harapan&#34;: [&#34;false&#34;]}]"'
    assert f'id="field-alasan_tidak_sesuai" {rule}>' in html
    assert html.count("conditional.js") == 1
    assert "conditional.js" not in plain


# Every field of the project's forms that is shown only after a choice, with the rule it carries.
# NIK and KK (pengajuan) are required only for one's own data but are identity fields
# (x-identitas): they are always shown, so they are not in this table.
CONDITIONAL_FIELDS: dict[str, dict[str, list[dict[str, list[str]]]]] = {
    "konfirmasi_jawaban": {
        "alasan_tidak_sesuai": [{"sesuai_harapan": ["false"]}],
        "nilai_kepuasan": [{"sesuai_harapan": ["true"]}],
    },
    # The nine SKM elements (x-skm U1..U9) are asked, like the single rating, once satisfied.
    "konfirmasi_jawaban.unsur": {
        "alasan_tidak_sesuai": [{"sesuai_harapan": ["false"]}],
        **{name: [{"sesuai_harapan": ["true"]}] for name in (
            "u1_persyaratan", "u2_prosedur", "u3_waktu", "u4_biaya", "u5_produk",
            "u6_kompetensi", "u7_perilaku", "u8_pengaduan", "u9_sarana")},
    },
    "telaah": {
        "bidang_teknis": [{"perlu_koordinasi": ["true"]}],
        "permintaan_koordinasi": [{"perlu_koordinasi": ["true"]}],
    },
    "verifikasi": {"data_yang_diminta": [{"keputusan_verifikasi": ["minta_data"]}]},
    "sampaikan_jawaban": {
        "alasan_pengembalian": [{"keputusan_penyampaian": ["kembalikan"]}],
        "cara_penyampaian": [{"keputusan_penyampaian": ["sampaikan", ""]}],
        "tanggal_penyampaian": [{"keputusan_penyampaian": ["sampaikan", ""]}],
    },
}


def _wrapper(html: str, name: str) -> str:
    """The opening tag of field NAME's wrapper in HTML."""
    start = html.index(f'id="field-{name}"')
    return html[html.rindex("<div", 0, start):html.index(">", start) + 1]


def _show_when(wrapper: str) -> Any:
    found = wrapper.split('data-show-when="', 1)
    if len(found) == 1:
        return None
    return json.loads(found[1].split('"', 1)[0].replace("&#34;", '"'))


@pytest.mark.parametrize("schema_path", FORM_FILES, ids=lambda p: p.name)
def test_each_project_form_marks_exactly_its_conditional_fields(
    app: Flask, schema_path: Path
) -> None:
    name = schema_path.name.removesuffix(".schema.json")
    expected = CONDITIONAL_FIELDS.get(name, {})
    spec = load_spec(schema_path)
    html = render_form(spec)
    for field in spec.visible():
        assert _show_when(_wrapper(html, field.name)) == expected.get(field.name), field.name
    assert html.count("formrender/conditional.js") == (1 if expected else 0)


def test_start_form_keeps_nik_and_kk_in_view_with_their_note(app: Flask) -> None:
    spec = _real_spec("pengajuan")
    html = render_form(spec, hidden_fields=("kanal",))
    for name in ("nik", "no_kk", "menyangkut_data_sendiri"):
        assert "data-show-when" not in _wrapper(html, name)
    assert spec.get("no_kk").condition.startswith("Wajib diisi bila")  # type: ignore[union-attr]


def test_a_field_required_under_several_choices_has_several_alternatives() -> None:
    schema = {
        "type": "object",
        "properties": {
            "cara": {"type": "string", "enum": ["pos", "kurir", "ambil"]},
            "mendesak": {"type": "boolean"},
            "alamat": {"type": "string"},
        },
        "allOf": [
            {"if": {"properties": {"cara": {"enum": ["pos", "kurir"]}}, "required": ["cara"]},
             "then": {"required": ["alamat"]}},
            {"if": {"properties": {"mendesak": {"const": True}, "cara": {"const": "ambil"}},
                    "required": ["mendesak", "cara"]},
             "then": {"required": ["alamat"]}},
        ],
    }
    assert build_spec(schema).get("alamat").show_when == (  # type: ignore[union-attr]
        {"cara": ("pos", "kurir")},
        {"mendesak": ("true",), "cara": ("ambil",)},
    )


def test_conditions_the_page_cannot_follow_leave_the_field_in_view() -> None:
    base = {"type": "object", "properties": {
        "a": {"type": "string"}, "b": {"type": "string"}, "c": {"type": "string"}}}
    not_const = {**base, "allOf": [
        {"if": {"properties": {"a": {"const": "x"}}, "required": ["a"]},
         "then": {"required": ["c"]}},
        {"if": {"properties": {"b": {"minLength": 3}}, "required": ["b"]},
         "then": {"required": ["c"]}},
    ]}
    otherwise = {**base, "allOf": [
        {"if": {"properties": {"a": {"const": "x"}}, "required": ["a"]},
         "then": {"required": ["b"]}, "else": {"required": ["c"]}},
    ]}
    presence = {**base, "allOf": [
        {"if": {"properties": {"a": {"const": "x"}}, "required": ["a", "b"]},
         "then": {"required": ["c"]}},
    ]}
    assert build_spec(not_const).get("c").show_when == ()  # type: ignore[union-attr]
    assert build_spec(otherwise).get("c").show_when == ()  # type: ignore[union-attr]
    assert build_spec(otherwise).get("b").show_when == (  # type: ignore[union-attr]
        {"a": ("x",)},)
    assert build_spec(presence).get("c").show_when == ()  # type: ignore[union-attr]


def test_an_if_that_does_not_require_its_field_also_holds_when_it_is_empty() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
              "if": {"properties": {"a": {"const": "x"}}}, "then": {"required": ["b"]}}
    assert build_spec(schema).get("b").show_when == ({"a": ("x", "")},)  # type: ignore[union-attr]
    assert validate(schema, {}) == {"b": ["Wajib diisi."]}  # jsonschema agrees: empty a counts


def test_hidden_conditional_fields_not_sent_are_simply_absent() -> None:
    spec = _real_spec("konfirmasi_jawaban")
    no = MultiDict({"sesuai_harapan": "false", "alasan_tidak_sesuai": "Belum ada kepastian."})
    data, _ = parse_submission(spec, no)
    assert data == {"sesuai_harapan": False, "alasan_tidak_sesuai": "Belum ada kepastian."}
    assert validate(spec.schema, data) == {}
    yes, _ = parse_submission(spec, MultiDict({"sesuai_harapan": "true", "nilai_kepuasan": "3"}))
    assert yes == {"sesuai_harapan": True, "nilai_kepuasan": 3}
    assert validate(spec.schema, yes) == {}
    # The condition holds but its field did not come: the server still asks for it.
    missing, _ = parse_submission(spec, MultiDict({"sesuai_harapan": "false"}))
    assert validate(spec.schema, missing) == {"alasan_tidak_sesuai": ["Wajib diisi."]}
    study = _real_spec("telaah")
    alone = MultiDict({"hasil_telaah": "Cukup jelas, tanpa bidang lain.",
                       "perlu_koordinasi": "false"})
    plain, _ = parse_submission(study, alone)
    assert validate(study.schema, plain) == {}


def test_the_script_is_served_by_the_blueprint(app: Flask) -> None:
    response = app.test_client().get("/static/formrender/conditional.js")
    assert response.status_code == 200
    script = response.get_data(as_text=True)
    response.close()
    assert "data-show-when" in script and "disabled" in script
