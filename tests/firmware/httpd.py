#!/usr/bin/env python3
"""httpd.py ADDRESS PORT ROOT: the suite's web server (xCAT's httpd serves /tftpboot).

python's http.server, plus one content type: boot loaders named without ".efi" (xCAT's
boot/grub2/grub2.aarch64) are served as application/efi. EDK2 HTTP boot decides what it downloaded
by the Content-Type, else by a ".efi"/".iso"/".img" suffix of the URL; an octet-stream
grub2.aarch64 is refused ("Could not retrieve NBP file size"). See docs/firmware.md.
"""
import functools
import http.server
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = dict(http.server.SimpleHTTPRequestHandler.extensions_map,
                          **{".aarch64": "application/efi"})


def main():
    address, port, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    handler = functools.partial(Handler, directory=root)
    with http.server.ThreadingHTTPServer((address, port), handler) as server:
        print("serving %s on %s:%d" % (root, address, port), flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
