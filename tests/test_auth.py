"""Sign-in, roles held by Surat Tugas, the admin pages and the `users` commands."""

from __future__ import annotations

from datetime import date

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app.auth import roles, service
from app.auth.models import User
from app.processes.service import deploy_file
from tests.conftest import ROOT, csrf_token_from, login

TODAY = date(2026, 6, 15)
# The lanes of the real diagram (process/pengaduan.bpmn): roles because it is deployed.
PELANGGAN = "Pelanggan"
PETUGAS = "Petugas Pengelola Layanan Pengaduan"
TIM = "Tim Penanganan Pengaduan"
BIDANG_TEKNIS = "Bidang Teknis"


def _deploy(app: Flask) -> None:
    with app.app_context():
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")


def _user(username: str) -> User:
    user = service.get_user_by_username(username)
    assert user is not None
    return user


def test_login_with_right_password_opens_the_task_inbox(
    client: FlaskClient, demo_users: list[str]
) -> None:
    response = login(client, "petugas")
    assert response.status_code == 302
    assert response.headers["Location"] == "/tugas"
    page = client.get("/").get_data(as_text=True)
    assert "Siti Rahmawati" in page
    assert 'href="/tugas"' in page
    assert 'href="/admin/pengguna"' not in page


def test_login_with_wrong_password_says_so_in_indonesian(
    client: FlaskClient, demo_users: list[str]
) -> None:
    response = login(client, "petugas", "salah-sandi")
    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)
    assert 'value="petugas"' in response.get_data(as_text=True)  # input kept
    assert client.get("/admin/pengguna").status_code == 302  # still anonymous


def test_inactive_user_cannot_sign_in(
    app: Flask, client: FlaskClient, demo_users: list[str]
) -> None:
    with app.app_context():
        user = _user("tim2")
        service.update_user(user, user.full_name, user.email, is_active=False)
    assert "kata sandi salah" in login(client, "tim2").get_data(as_text=True)


def test_logout_needs_a_post_with_csrf_token(client: FlaskClient, demo_users: list[str]) -> None:
    login(client, "admin")
    assert client.get("/keluar").status_code == 405
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    assert client.post("/keluar", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/pengguna").status_code == 302


def test_expired_assignment_grants_nothing(app: Flask, client: FlaskClient) -> None:
    _deploy(app)
    with app.app_context():
        user = service.create_user("lama", "Pegawai Lama", "kopi pagi di Beliti")
        service.assign_role(
            user,
            roles.ADMINISTRATOR,
            surat_tugas_number="800/ST/DKCS/2025/009",
            surat_tugas_date=date(2025, 1, 2),
            valid_until=date(2025, 12, 31),
        )
        service.assign_role(
            user,
            PETUGAS,
            surat_tugas_number="800/ST/DKCS/2025/010",
            surat_tugas_date=date(2025, 1, 2),
            valid_until=date(2025, 12, 31),
        )
        user = _user("lama")
        assert service.can_work_lane(user, PETUGAS, today=date(2025, 6, 1))
        assert not service.can_work_lane(user, PETUGAS, today=date(2026, 1, 1))
        assert service.active_roles(user, date(2026, 1, 1)) == set()
    login(client, "lama", "kopi pagi di Beliti")
    response = client.get("/admin/pengguna")
    assert response.status_code == 403
    assert "Akses ditolak" in response.get_data(as_text=True)


def test_revoked_and_future_assignments_grant_nothing(app: Flask) -> None:
    _deploy(app)
    with app.app_context():
        user = service.create_user("baru", "Pegawai Baru", "kopi pagi di Beliti")
        now = service.assign_role(
            user,
            TIM,
            surat_tugas_number="1",
            surat_tugas_date=TODAY,
            valid_until=date(2026, 12, 31),
            is_team_lead=True,
        )
        service.assign_role(
            user,
            roles.AUDITOR,
            surat_tugas_number="2",
            surat_tugas_date=TODAY,
            valid_from=date(2026, 7, 1),
            valid_until=date(2026, 12, 31),
        )
        user = _user("baru")
        assert service.active_roles(user, TODAY) == {TIM}
        assert service.is_team_lead(user, TODAY)
        service.revoke_assignment(now.id)
        user = _user("baru")
        assert not service.can_work_lane(user, TIM, today=TODAY)
        assert not service.is_team_lead(user, TODAY)
        assert service.active_roles(user, date(2026, 7, 1)) == {roles.AUDITOR}


def test_bidang_teknis_works_only_its_own_division(app: Flask, demo_users: list[str]) -> None:
    with app.app_context():
        pp = _user("teknis_pp")
        assert service.can_work_lane(pp, BIDANG_TEKNIS, "pp")
        assert not service.can_work_lane(pp, BIDANG_TEKNIS, "pcs")
        assert not service.can_work_lane(pp, TIM)
        assert service.user_divisions(pp, BIDANG_TEKNIS) == {"pp"}
        assert [u.username for u in service.users_with_role(BIDANG_TEKNIS, "pcs")] == [
            "teknis_pcs"
        ]
        assert not service.can_work_lane(_user("petugas"), PELANGGAN)


def test_team_leads_are_the_leading_team_members(app: Flask, demo_users: list[str]) -> None:
    with app.app_context():
        assert [u.username for u in service.team_leads()] == ["tim"]
        assert not service.is_team_lead(_user("tim2"))


def test_demo_users_are_created_once(app: Flask, demo_users: list[str]) -> None:
    assert len(demo_users) == 9  # with `kepala`, the Kepala Dinas (reports)
    with app.app_context():
        assert service.ensure_demo_users() == []
        assert len(_user("tim").assignments) == 1
        st = _user("admin").assignments[0].surat_tugas_number
        assert st.startswith("800/ST/DKCS/") and st.endswith("/008")


def test_admin_pages_refuse_other_roles(client: FlaskClient, demo_users: list[str]) -> None:
    login(client, "pemilik")
    assert client.get("/admin/pengguna").status_code == 403
    assert client.get("/admin/pengguna/baru").status_code == 403


def test_anonymous_visitor_is_sent_to_login(client: FlaskClient) -> None:
    response = client.get("/admin/pengguna")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk?next=")


def test_post_without_csrf_token_is_refused(client: FlaskClient, demo_users: list[str]) -> None:
    login(client, "admin")
    response = client.post(
        "/admin/pengguna/baru",
        data={"username": "tanpa", "full_name": "Tanpa Token", "password": "kopi pagi di Beliti"},
    )
    assert response.status_code == 400
    assert "Muat ulang halaman" in response.get_data(as_text=True)


def test_admin_creates_user_and_assigns_a_division(
    app: Flask, client: FlaskClient, demo_users: list[str]
) -> None:
    login(client, "admin")
    token = csrf_token_from(client.get("/admin/pengguna/baru").get_data(as_text=True))
    response = client.post(
        "/admin/pengguna/baru",
        data={
            "csrf_token": token,
            "username": "rudi",
            "full_name": "Rudi Hartono",
            "email": "rudi@example.go.id",
            "password": "kopi pagi di Beliti",
        },
    )
    assert response.status_code == 302
    edit_url = response.headers["Location"]
    response = client.post(
        edit_url + "/peran",
        data={
            "csrf_token": token,
            "role": BIDANG_TEKNIS,
            "division": "piak",
            "surat_tugas_number": "800/ST/DKCS/2026/020",
            "surat_tugas_date": "2026-01-05",
            "valid_until": "2099-12-31",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        rudi = _user("rudi")
        assert service.can_work_lane(rudi, BIDANG_TEKNIS, "piak")
    assert "Rudi Hartono" in client.get("/admin/pengguna").get_data(as_text=True)


def test_admin_form_errors_are_indonesian_and_keep_the_input(
    client: FlaskClient, demo_users: list[str]
) -> None:
    login(client, "admin")
    token = csrf_token_from(client.get("/admin/pengguna/baru").get_data(as_text=True))
    response = client.post(
        "/admin/pengguna/baru",
        data={
            "csrf_token": token,
            "username": "petugas",
            "full_name": "Nama Sama",
            "password": "kopi pagi di Beliti",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nama pengguna ini sudah dipakai." in page
    assert 'value="Nama Sama"' in page
    edit = client.get("/admin/pengguna/1")
    response = client.post(
        "/admin/pengguna/1/peran",
        data={
            "csrf_token": csrf_token_from(edit.get_data(as_text=True)),
            "role": BIDANG_TEKNIS,
            "surat_tugas_number": "800/ST/X",
            "surat_tugas_date": "2026-01-05",
            "valid_until": "2026-12-31",
        },
    )
    assert response.status_code == 422
    assert "Pilih bidang untuk peran ini." in response.get_data(as_text=True)
    assert 'value="800/ST/X"' in response.get_data(as_text=True)


def test_users_cli_creates_assigns_lists_and_revokes(app: Flask, runner: FlaskCliRunner) -> None:
    _deploy(app)
    result = runner.invoke(
        args=["users", "create", "yanti", "--name", "Yanti", "--password", "kopi pagi di Beliti"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=[
            "users",
            "assign",
            "yanti",
            "Bidang Teknis",
            "--division",
            "pcs",
            "--st-number",
            "800/ST/DKCS/2026/030",
            "--st-date",
            "2026-01-05",
            "--valid-until",
            "2099-12-31",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        yanti = _user("yanti")
        assert service.can_work_lane(yanti, BIDANG_TEKNIS, "pcs")
        assignment_id = yanti.assignments[0].id
    listing = runner.invoke(args=["users", "list"])
    assert "yanti" in listing.output and "800/ST/DKCS/2026/030" in listing.output
    assert runner.invoke(args=["users", "revoke", str(assignment_id)]).exit_code == 0
    with app.app_context():
        assert not service.can_work_lane(_user("yanti"), BIDANG_TEKNIS, "pcs")


def test_users_cli_refuses_an_unknown_role(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(
        args=["users", "create", "yanti", "--name", "Yanti", "--password", "kopi pagi di Beliti"]
    )
    result = runner.invoke(
        args=[
            "users",
            "assign",
            "yanti",
            "Bupati",
            "--st-number",
            "1",
            "--st-date",
            "2026-01-05",
            "--valid-until",
            "2026-12-31",
        ]
    )
    assert result.exit_code != 0
    assert "Peran tidak dikenal" in result.output


def test_healthz_reports_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_reports_an_unreachable_database(tmp_path: object) -> None:
    from app import create_app

    app = create_app("test", {"DATABASE_URL": "sqlite:////nonexistent-dir/x.sqlite"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


def test_english_is_selectable_and_remembered(client: FlaskClient) -> None:
    page = client.get("/?lang=en").get_data(as_text=True)
    assert 'lang="en"' in page and "Submit a complaint" in page
    assert "Submit a complaint" in client.get("/").get_data(as_text=True)
    assert "Ajukan pengaduan" in client.get("/?lang=id").get_data(as_text=True)


def test_vendor_serves_allowed_packages_only(client: FlaskClient) -> None:
    with client.get("/vendor/@picocss/pico/css/pico.min.css") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/css"
    assert client.get("/vendor/min-dash/package.json").status_code == 404
    assert client.get("/vendor/bpmn-js/../min-dash/package.json").status_code == 404
    assert client.get("/vendor/bpmn-js/%2e%2e/min-dash/package.json").status_code == 404


def test_missing_page_is_explained_in_indonesian(client: FlaskClient) -> None:
    response = client.get("/tidak-ada")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.get_data(as_text=True)


def test_the_last_administrator_cannot_lock_everyone_out(
    app: Flask, client: FlaskClient, demo_users: list[str]
) -> None:
    login(client, "admin")
    with app.app_context():
        admin = _user("admin")
        admin_assignment = admin.assignments[0].id
    page = client.get(f"/admin/pengguna/{admin.id}").get_data(as_text=True)
    response = client.post(
        f"/admin/peran/{admin_assignment}/cabut",
        data={"csrf_token": csrf_token_from(page)},
        follow_redirects=True,
    )
    assert "administrator terakhir" in response.get_data(as_text=True)
    assert client.get("/admin/pengguna").status_code == 200
