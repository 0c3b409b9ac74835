"""A real SFTP server for tests, in-process: asyncssh on its own event loop thread, password auth, chrooted."""
import asyncio
import threading
from pathlib import Path

import asyncssh

USERNAME = "dcc"
PASSWORD = "crawler-secret"


class _Server(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == USERNAME and password == PASSWORD


class SftpServer:
    """Start with `start()`, read `port`, stop with `stop()`; files land under `root`."""

    def __init__(self, root: Path):
        self.root = root
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server = None

    async def _start(self):
        key = asyncssh.generate_private_key("ssh-ed25519")
        root = str(self.root)
        self._server = await asyncssh.create_server(
            _Server, "127.0.0.1", 0, server_host_keys=[key],
            sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=root),
        )
        return self._server.sockets[0].getsockname()[1]

    def start(self) -> "SftpServer":
        self._thread.start()
        self.port = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)
        return self

    def stop(self) -> None:
        async def close():
            self._server.close()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
