#!/usr/bin/env python3
"""timeline.py CAPTURE.pcap [T0]

Prints what a network boot did on the wire, one line per event, seconds since T0 (a Unix time,
default: the first packet):

    DHCP DISCOVER/REQUEST  mac, xid, option 93 (arch), 77 (user class), 60 (vendor class), 61
    DHCP OFFER/ACK/NAK     yiaddr, siaddr, the BOOTP file field, options 60, 12, 67, 224
    TFTP RRQ / ERROR / DONE (bytes of a finished transfer)
    HTTP request lines (with User-Agent) and status lines

Plain Python: classic pcap (tcpdump -w), Ethernet, IPv4, UDP, TCP. No scapy needed.
The test matches these lines with regular expressions, so keep the format stable.
"""
import struct
import sys

DHCP_TYPES = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK",
              7: "RELEASE", 8: "INFORM"}


def text(b):
    """Bytes as a quoted string when printable, else hex."""
    if b and all(32 <= c < 127 for c in b):
        return "'" + b.decode() + "'"
    return "0x" + b.hex()


def ip(b):
    return ".".join(str(x) for x in b)


def dhcp_options(data):
    opts, i = {}, 0
    while i < len(data):
        code = data[i]
        if code == 0:
            i += 1
            continue
        if code == 255 or i + 1 >= len(data):
            break
        n = data[i + 1]
        opts.setdefault(code, b"")
        opts[code] += data[i + 2:i + 2 + n]  # RFC 3396: repeated options concatenate
        i += 2 + n
    return opts


def dhcp_line(p):
    if len(p) < 240 or p[236:240] != b"\x63\x82\x53\x63":
        return None
    op = p[0]
    xid = struct.unpack("!I", p[4:8])[0]
    flags = struct.unpack("!H", p[10:12])[0]
    yiaddr, siaddr = ip(p[16:20]), ip(p[20:24])
    mac = ":".join("%02x" % x for x in p[28:34])
    fname = p[108:236].split(b"\0", 1)[0]
    opts = dhcp_options(p[240:])
    mtype = DHCP_TYPES.get(opts.get(53, b"\0")[0], "BOOTP")
    parts = ["DHCP", mtype, "mac=" + mac, "xid=0x%08x" % xid]
    if op == 1:
        if flags & 0x8000:
            parts.append("flags=B")
        if 93 in opts:
            parts.append("opt93=0x" + opts[93].hex())
        if 77 in opts:
            parts.append("opt77=" + text(opts[77]))
        if 60 in opts:
            parts.append("opt60=" + text(opts[60]))
        if 61 in opts:
            parts.append("opt61=" + opts[61].hex())
        if 50 in opts:
            parts.append("want=" + ip(opts[50]))
    else:
        parts += ["yiaddr=" + yiaddr, "siaddr=" + siaddr, "file=" + text(fname)]
        for code in (60, 12, 66, 67, 224, 175):
            if code in opts:
                parts.append("opt%d=%s" % (code, text(opts[code])))
    return " ".join(parts)


def tftp_rrq(p):
    fields = p[2:].split(b"\0")
    name = fields[0].decode(errors="replace")
    extra = [f.decode(errors="replace") for f in fields[2:] if f]
    opts = " ".join("%s=%s" % (extra[i], extra[i + 1]) for i in range(0, len(extra) - 1, 2))
    return "TFTP RRQ '%s'%s" % (name, (" " + opts) if opts else "")


def main():
    path = sys.argv[1]
    t0 = float(sys.argv[2]) if len(sys.argv) > 2 else None
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        print("(empty capture)")
        return
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        endian = "<"
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        endian = ">"
    else:
        print("(not a classic pcap file)")
        return
    nano = magic in (0xa1b23c4d, 0x4d3cb2a1)
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != 1:
        print("(link type %d, not Ethernet)" % linktype)
        return
    off = 24
    tftp_clients = {}   # (client ip, client port) -> [file, bytes, max block]
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        frame = data[off:off + incl]
        off += incl
        ts = sec + frac / (1e9 if nano else 1e6)
        if t0 is None:
            t0 = ts
        if len(frame) < 14:
            continue
        etype = struct.unpack("!H", frame[12:14])[0]
        if etype != 0x0800:
            continue
        iph = frame[14:]
        ihl = (iph[0] & 15) * 4
        proto = iph[9]
        src, dst = ip(iph[12:16]), ip(iph[16:20])
        total = struct.unpack("!H", iph[2:4])[0]
        body = iph[ihl:total]
        line = None
        if proto == 17 and len(body) >= 8:
            sport, dport = struct.unpack("!HH", body[:4])
            p = body[8:]
            if {sport, dport} & {67, 68}:
                line = dhcp_line(p)
            elif dport == 69 and len(p) >= 2 and p[1] == 1:
                line = tftp_rrq(p)
                tftp_clients[(src, sport)] = [line.split("'")[1], 0, 0]
            elif (dst, dport) in tftp_clients and len(p) >= 4:
                st = tftp_clients[(dst, dport)]
                opcode = p[1]
                if opcode == 3:
                    n = len(p) - 4
                    st[1] += n
                    st[2] = max(st[2], n)
                    if n < st[2] or (st[2] < 512 and n < 512):
                        line = "TFTP DONE '%s' %d bytes" % (st[0], st[1])
                elif opcode == 5:
                    code = struct.unpack("!H", p[2:4])[0]
                    line = "TFTP ERROR %d '%s' ('%s')" % (code, p[4:].split(b"\0")[0].decode(errors="replace"), st[0])
            elif (src, sport) in tftp_clients and len(p) >= 4 and p[1] == 5:
                code = struct.unpack("!H", p[2:4])[0]
                line = "TFTP ERROR %d from client '%s' ('%s')" % (
                    code, p[4:].split(b"\0")[0].decode(errors="replace"), tftp_clients[(src, sport)][0])
        elif proto == 6 and len(body) >= 20:
            sport, dport = struct.unpack("!HH", body[:4])
            doff = (body[12] >> 4) * 4
            p = body[doff:]
            if 80 in (sport, dport) and p:
                first = p.split(b"\r\n", 1)[0].decode(errors="replace")
                if first.split(" ", 1)[0] in ("GET", "HEAD", "POST") or first.startswith("HTTP/1."):
                    ua = ""
                    for h in p.split(b"\r\n")[1:]:
                        if h.lower().startswith(b"user-agent:"):
                            ua = " UA=" + h[11:].strip().decode(errors="replace")
                    line = "HTTP %s%s" % (first, ua)
        if line:
            print("%7.2fs %-15s > %-15s %s" % (ts - t0, src, dst, line))


if __name__ == "__main__":
    main()
