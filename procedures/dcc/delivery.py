"""Where delivered zips go: a local directory (the default) or the centre's SFTP file source.

The DCC crawler polls the file source and reads the action from the top directory, `add/` or `edit/` (§1). Both
backends upload under a hidden `.part` name and rename into place, so the crawler never sees half a file, and both
can say whether a file is already there and with which checksum, which makes delivery idempotent: a file already
delivered with the same SHA-256 is never sent twice (a worker killed between the upload and its bookkeeping).

Connection problems surface as `ConnectionError` (an `OSError`), which the Celery task retries with backoff.
"""
import hashlib
import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings

from lims.models import Centre


class LocalBackend:
    """A directory on this host (or a mounted share): `<root>/add/`, `<root>/edit/`."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def describe(self) -> str:
        return str(self.root)

    def checksum(self, folder: str, name: str) -> str | None:
        path = self.root / folder / name
        if not path.exists():
            return None
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()

    def put(self, local: Path, folder: str, name: str) -> str:
        target_dir = self.root / folder
        target_dir.mkdir(parents=True, exist_ok=True)
        final = target_dir / name
        partial = target_dir / f".{name}.part"
        try:
            shutil.copyfile(local, partial)
            with open(partial, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)
        return str(final)

    def close(self) -> None:
        pass


class SftpBackend:
    """An SFTP file source, `sftp://user@host:port/path`; password or private key from the environment.

    paramiko is imported here only, so a centre delivering locally never needs it loaded.
    """

    def __init__(self, url: str, *, password: str = "", key_file: str = "", timeout: float = 30.0):
        parsed = urlparse(url)
        if parsed.scheme != "sftp" or not parsed.hostname:
            raise ValueError(f"{url!r} is not an sftp://user@host:port/path URL.")
        self.url = url
        self.host = parsed.hostname
        self.port = parsed.port or 22
        self.username = unquote(parsed.username or "")
        self.password = unquote(parsed.password or "") or password
        self.key_file = key_file
        self.path = parsed.path or "/"
        self.timeout = timeout
        self._transport = None
        self._sftp = None

    def describe(self) -> str:
        return f"sftp://{self.username}@{self.host}:{self.port}{self.path}"

    def _client(self):
        import paramiko

        if self._sftp is not None:
            return self._sftp
        try:
            transport = paramiko.Transport((self.host, self.port))
            transport.banner_timeout = self.timeout
            key = paramiko.PKey.from_path(self.key_file) if self.key_file else None
            transport.connect(username=self.username, password=self.password or None, pkey=key)
            self._transport = transport
            self._sftp = paramiko.SFTPClient.from_transport(transport)
        except (paramiko.SSHException, EOFError) as exc:
            raise ConnectionError(f"SFTP {self.describe()}: {exc}") from exc
        return self._sftp

    def _remote(self, folder: str, name: str = "") -> str:
        base = self.path.rstrip("/") + "/" + folder
        return f"{base}/{name}" if name else base

    def checksum(self, folder: str, name: str) -> str | None:
        sftp = self._client()
        digest = hashlib.sha256()
        try:
            with sftp.open(self._remote(folder, name), "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        except FileNotFoundError:
            return None
        return digest.hexdigest()

    def put(self, local: Path, folder: str, name: str) -> str:
        sftp = self._client()
        directory = self._remote(folder)
        try:
            sftp.stat(directory)
        except FileNotFoundError:
            sftp.mkdir(directory)
        partial = self._remote(folder, f".{name}.part")
        sftp.put(str(local), partial)
        sftp.posix_rename(partial, self._remote(folder, name))
        return f"sftp://{self.host}:{self.port}{self._remote(folder, name)}"

    def close(self) -> None:
        if self._sftp is not None:
            self._sftp.close()
        if self._transport is not None:
            self._transport.close()
        self._sftp = self._transport = None


def backend_for(*, centre: Centre, out_dir: str = ""):
    """An explicit `out_dir` wins (the command's --out); else the SFTP URL if set; else the local outbox."""
    if out_dir:
        return LocalBackend(out_dir)
    url = getattr(settings, "LIMS_DCC_SFTP_URL", "")
    if url:
        return SftpBackend(url, password=settings.LIMS_DCC_SFTP_PASSWORD, key_file=settings.LIMS_DCC_SFTP_KEY_FILE)
    return LocalBackend(Path(settings.LIMS_DCC_OUTBOX) / centre.code)


__all__ = ["LocalBackend", "SftpBackend", "backend_for"]
