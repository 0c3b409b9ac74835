"""Delivery to the centre's SFTP file source, against a real SFTP server (asyncssh, in-process), and the retry of
connection errors."""
import socket

import pytest

from procedures.dcc.delivery import LocalBackend, SftpBackend, backend_for
from procedures.dcc.models import Submission
from procedures.dcc.packaging import sha256_of
from procedures.dcc.services import submission_build, submission_create
from tests.dcc.helpers import read_zip
from tests.dcc.sftp_server import PASSWORD, USERNAME, SftpServer

Status = Submission.Status


@pytest.fixture
def sftp_root(tmp_path):
    root = tmp_path / "sftp"
    root.mkdir()
    (root / "impc").mkdir()
    server = SftpServer(root).start()
    yield root, server.port
    server.stop()


def test_sftp_backend_uploads_atomically_and_knows_what_it_holds(sftp_root, tmp_path):
    root, port = sftp_root
    local = tmp_path / "H.2026-01-01.1.impc.zip"
    local.write_bytes(b"zip bytes")
    backend = SftpBackend(f"sftp://{USERNAME}@127.0.0.1:{port}/impc", password=PASSWORD)
    try:
        assert backend.checksum("add", local.name) is None
        location = backend.put(local, "add", local.name)
        assert backend.checksum("add", local.name) == sha256_of(local)
    finally:
        backend.close()
    assert location.endswith("/impc/add/H.2026-01-01.1.impc.zip")
    assert [p.name for p in (root / "impc" / "add").iterdir()] == [local.name]  # no .part left behind


def test_export_delivers_to_the_sftp_file_source(sftp_root, settings, centre, wrangler, mutant, record_weight,
                                                 official_schemas):
    root, port = sftp_root
    settings.LIMS_DCC_SFTP_URL = f"sftp://{USERNAME}@127.0.0.1:{port}/impc"
    settings.LIMS_DCC_SFTP_PASSWORD = PASSWORD
    settings.LIMS_DCC_SFTP_KEY_FILE = ""
    record_weight(mutant)

    submission = submission_build(submission_id=submission_create(centre=centre, actor=wrangler).pk)

    assert submission.status == Status.DELIVERED, submission.errors
    for file in submission.files.all():
        on_server = root / "impc" / "add" / file.zip_name
        assert sha256_of(on_server) == file.sha256
        assert file.path.startswith("sftp://127.0.0.1:")
        _xml_name, content = read_zip(on_server)
        official_schemas[file.kind].validate(content.decode())


def test_a_wrong_password_or_a_closed_port_is_a_connection_error(sftp_root, tmp_path):
    _root, port = sftp_root
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    for url, password in ((f"sftp://{USERNAME}@127.0.0.1:{port}/impc", "wrong"),
                          (f"sftp://{USERNAME}@127.0.0.1:{closed}/impc", PASSWORD)):
        backend = SftpBackend(url, password=password, timeout=5)
        with pytest.raises(ConnectionError):
            backend.checksum("add", "x.zip")
        backend.close()


def test_an_unreachable_sftp_server_leaves_the_submission_validated_for_the_retry(settings, centre, wrangler, mutant,
                                                                                 record_weight, sftp_root):
    """The task retries OSErrors with backoff; the service must leave a resumable state, then deliver once."""
    root, port = sftp_root
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    settings.LIMS_DCC_SFTP_PASSWORD = PASSWORD
    settings.LIMS_DCC_SFTP_KEY_FILE = ""
    settings.LIMS_DCC_SFTP_URL = f"sftp://{USERNAME}@127.0.0.1:{closed}/impc"
    record_weight(mutant)
    submission = submission_create(centre=centre, actor=wrangler)

    with pytest.raises(ConnectionError):
        submission_build(submission_id=submission.pk)
    assert Submission.objects.get(pk=submission.pk).status == Status.VALIDATED

    settings.LIMS_DCC_SFTP_URL = f"sftp://{USERNAME}@127.0.0.1:{port}/impc"  # the server is back
    resumed = submission_build(submission_id=submission.pk, resume=True)

    assert resumed.status == Status.DELIVERED
    assert sorted(p.name for p in (root / "impc" / "add").iterdir()) == sorted(
        resumed.files.values_list("zip_name", flat=True))


def test_backend_choice(settings, centre, tmp_path):
    settings.LIMS_DCC_SFTP_URL = "sftp://dcc@files.example.org:2222/impc"
    assert isinstance(backend_for(centre=centre, out_dir=str(tmp_path)), LocalBackend)  # --out wins
    sftp = backend_for(centre=centre)
    assert isinstance(sftp, SftpBackend) and (sftp.host, sftp.port, sftp.path) == ("files.example.org", 2222, "/impc")
    settings.LIMS_DCC_SFTP_URL = ""
    assert backend_for(centre=centre).root == settings.LIMS_DCC_OUTBOX / centre.code
