"""A small IMAP4rev1 server on 127.0.0.1 for the tests: one folder of crafted mails.

Enough of RFC 3501 for ``imaplib`` and ``mpsync.inbox.mailbox``: CAPABILITY, LOGIN,
SELECT (with UIDVALIDITY), SEARCH UNSEEN, FETCH (RFC822 | BODY[] | BODY.PEEK[] | BODY.PEEK[HEADER] | RFC822.SIZE),
STORE +FLAGS, their UID forms, NOOP and LOGOUT; with a TLS context, implicit TLS
(``tls="ssl"``) or STARTTLS (``tls="starttls"``: LOGIN is refused before it). A FETCH of
``BODY[]``/``RFC822`` sets ``\\Seen`` as a real server does; ``BODY.PEEK[]`` does not.
``drop_on_store`` closes the connection instead of answering the next STORE (a crash
between acting and flagging).
"""

from __future__ import annotations

import re
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import TracebackType

USER, PASSWORD = "robot@example.ru", "imap-s3cret"


@dataclass
class StoredMail:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class Mailbox:
    folder: str = "INBOX"
    validity: int = 7
    mails: list[StoredMail] = field(default_factory=list)
    drop_on_store: int = 0  # STOREs still to answer by hanging up
    logins: list[str] = field(default_factory=list)
    encrypted: list[bool] = field(default_factory=list)  # per login: over TLS
    commands: list[str] = field(default_factory=list)
    downloaded: list[int] = field(default_factory=list)  # UIDs whose whole mail was fetched
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, raw: bytes) -> int:
        with self.lock:
            uid = (self.mails[-1].uid if self.mails else 100) + 1
            self.mails.append(StoredMail(uid, raw))
            return uid

    def seen(self, uid: int) -> bool:
        return any(m.uid == uid and "\\Seen" in m.flags for m in self.mails)


class _Hangup(Exception):
    pass


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        self.box = self.server.box
        self.selected = False
        self.authed = False
        self.secure = self.server.tls == "ssl"
        self._send(b"* OK test server ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            tag, _, rest = line.decode().rstrip("\r\n").partition(" ")
            command, _, args = rest.partition(" ")
            self.box.commands.append(command.upper() if command.upper() != "UID"
                                     else f"UID {args.split(' ', 1)[0].upper()}")  # fmt: skip
            try:
                done = self._dispatch(tag, command.upper(), args)
            except _Hangup:
                return
            if done:
                return

    def _dispatch(self, tag: str, command: str, args: str) -> bool:
        if command == "CAPABILITY":
            plain = self.server.tls == "starttls" and not self.secure
            extra = " STARTTLS LOGINDISABLED" if plain else ""
            self._send(f"* CAPABILITY IMAP4rev1{extra}".encode())
            self._ok(tag, "CAPABILITY")
        elif command == "STARTTLS" and self.server.tls == "starttls" and not self.secure:
            self._ok(tag, "STARTTLS")
            assert self.server.context is not None
            wrapped = self.server.context.wrap_socket(self.request, server_side=True)
            self.request = self.connection = wrapped
            self.rfile = wrapped.makefile("rb")
            self.wfile = _Writer(wrapped)
            self.secure = True
        elif command == "NOOP":
            self._ok(tag, "NOOP")
        elif command == "LOGOUT":
            self._send(b"* BYE logging out")
            self._ok(tag, "LOGOUT")
            return True
        elif command == "LOGIN":
            user, password = _atoms(args)
            if self.server.tls == "starttls" and not self.secure:
                self._send(f"{tag} NO [PRIVACYREQUIRED] STARTTLS first".encode())
            elif (user, password) != (USER, PASSWORD):
                self._send(f"{tag} NO [AUTHENTICATIONFAILED] invalid credentials".encode())
            else:
                self.authed = True
                self.box.logins.append(user)
                self.box.encrypted.append(self.secure)
                self._ok(tag, "LOGIN")
        elif not self.authed:
            self._send(f"{tag} BAD log in first".encode())
        elif command == "SELECT":
            (folder,) = _atoms(args)
            if folder != self.box.folder:
                self._send(f"{tag} NO no such folder".encode())
                return False
            self.selected = True
            with self.box.lock:
                count = len(self.box.mails)
                nxt = (self.box.mails[-1].uid if self.box.mails else 100) + 1
            self._send(f"* {count} EXISTS".encode())
            self._send(b"* 0 RECENT")
            self._send(b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)")
            self._send(f"* OK [UIDVALIDITY {self.box.validity}] UIDs valid".encode())
            self._send(f"* OK [UIDNEXT {nxt}] predicted next UID".encode())
            self._send(f"{tag} OK [READ-WRITE] SELECT completed".encode())
        elif not self.selected:
            self._send(f"{tag} BAD select a folder first".encode())
        elif command == "UID":
            sub, _, rest = args.partition(" ")
            self._run(tag, sub.upper(), rest, by_uid=True)
        else:
            self._run(tag, command, args, by_uid=False)
        return False

    def _run(self, tag: str, command: str, args: str, *, by_uid: bool) -> None:
        name = f"UID {command}" if by_uid else command
        if command == "SEARCH":
            if args.strip().upper() != "UNSEEN":
                self._send(f"{tag} BAD only SEARCH UNSEEN here".encode())
                return
            found = [(n, m) for n, m in self._numbered() if "\\Seen" not in m.flags]
            numbers = " ".join(str(m.uid if by_uid else n) for n, m in found)
            self._send(f"* SEARCH {numbers}".rstrip().encode())
            self._ok(tag, name)
        elif command == "FETCH":
            which, _, items = args.partition(" ")
            item = items.strip().strip("()").upper()
            if item not in ("RFC822", "BODY[]", "BODY.PEEK[]", "RFC822.SIZE", "BODY.PEEK[HEADER]"):
                self._send(f"{tag} BAD unsupported FETCH item".encode())
                return
            for number, mail in self._pick(which, by_uid):
                if item == "RFC822.SIZE":
                    self._send(f"* {number} FETCH (UID {mail.uid} RFC822.SIZE {len(mail.raw)})"
                               .encode())  # fmt: skip
                    continue
                if item == "BODY.PEEK[HEADER]":
                    header = mail.raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
                    head = f"* {number} FETCH (UID {mail.uid} BODY[HEADER] {{{len(header)}}}\r\n"
                    self.wfile.write(head.encode() + header + b")\r\n")
                    continue
                if item != "BODY.PEEK[]":
                    mail.flags.add("\\Seen")
                self.box.downloaded.append(mail.uid)
                label = "RFC822" if item == "RFC822" else "BODY[]"
                head = f"* {number} FETCH (UID {mail.uid} {label} {{{len(mail.raw)}}}\r\n"
                self.wfile.write(head.encode() + mail.raw + b")\r\n")
            self._ok(tag, name)
        elif command == "STORE":
            which, _, rest = args.partition(" ")
            mode, _, flags = rest.partition(" ")
            if mode.upper() != "+FLAGS":
                self._send(f"{tag} BAD only +FLAGS here".encode())
                return
            if self.box.drop_on_store > 0:
                self.box.drop_on_store -= 1
                raise _Hangup
            for number, mail in self._pick(which, by_uid):
                mail.flags.update(flags.strip().strip("()").split())
                shown = " ".join(sorted(mail.flags))
                self._send(f"* {number} FETCH (UID {mail.uid} FLAGS ({shown}))".encode())
            self._ok(tag, name)
        else:
            self._send(f"{tag} BAD unknown command {command}".encode())

    def _numbered(self) -> list[tuple[int, StoredMail]]:
        with self.box.lock:
            return list(enumerate(self.box.mails, start=1))

    def _pick(self, which: str, by_uid: bool) -> Iterator[tuple[int, StoredMail]]:
        wanted = {int(part) for part in which.split(",")}
        for number, mail in self._numbered():
            if (mail.uid if by_uid else number) in wanted:
                yield number, mail

    def _ok(self, tag: str, name: str) -> None:
        self._send(f"{tag} OK {name} completed".encode())

    def _send(self, line: bytes) -> None:
        self.wfile.write(line + b"\r\n")


def _atoms(args: str) -> list[str]:
    """Quoted strings and atoms, unquoted."""
    return [q.replace('\\"', '"').replace("\\\\", "\\") if q else a
            for q, a in re.findall(r'"((?:[^"\\]|\\.)*)"|(\S+)', args)]  # fmt: skip


class _Writer:
    """``wfile`` over a TLS socket (what ``StreamRequestHandler`` makes for a plain one)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def write(self, data: bytes) -> int:
        self._sock.sendall(data)
        return len(data)

    def flush(self) -> None:
        return None


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    box: Mailbox
    tls: str | None = None
    context: ssl.SSLContext | None = None

    def get_request(self) -> tuple[socket.socket, object]:
        sock, address = super().get_request()
        if self.tls == "ssl" and self.context is not None:
            sock = self.context.wrap_socket(sock, server_side=True)
        return sock, address


class ImapServer:
    """``with ImapServer() as server:`` serves ``server.box`` on 127.0.0.1:``server.port``;
    *tls* (``ssl`` or ``starttls``) with *context* (the server's certificate)."""

    def __init__(self, tls: str | None = None, context: ssl.SSLContext | None = None) -> None:
        self.box = Mailbox()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.box = self.box
        self._server.tls, self._server.context = tls, context
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ImapServer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:  # fmt: skip
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
