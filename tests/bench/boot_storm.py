#!/usr/bin/env python3
"""Helpers for tests/bench/boot_storm.sh (a benchmark, not a test).

  boot_storm.py inventory NODES MACFILE   the inventory YAML on stdout; the nodes' MACs to MACFILE
  boot_storm.py variant VARIANT IN OUT [--lease F] [--socket F] [--log F] [--mt on|off|rendered]
                                          derive a Kea config from our rendered kea-dhcp4.conf:
                                            none: every client class and class reference removed
                                            ours: as rendered
                                            peer: ours plus two per-node test classes per node, in
                                                  the shape of xCAT's Perl Kea backend
                                            nolist: ours without the subnet's additional-class list
                                                  (diagnosis: what the marker classes alone cost)
                                          (paths and loggers are adapted for the benchmark in all)
  boot_storm.py stats SOCKET              Kea's pkt4-received, pkt4-offer-sent, pkt4-ack-sent
  boot_storm.py perfdhcp FILE             DO sent, DO received, RA sent, RA received of a run
  boot_storm.py summarize RUNS.TSV        medians per case and mode as a markdown table
"""
import json
import socket
import statistics
import sys

SERVER_IP = "10.79.0.1"

# The Perl peer's tests (perl-xCAT/xCAT/DHCP/BootPolicy.pm, kea_xnba_node_classes), written out.
PEER_XNBA = ("(option[77].exists and (option[77].text == 'xNBA' or option[77].hex == 0x784e4241"
             " or substring(option[77].hex,1,4) == 'xNBA'))")
PEER_UEFI = "option[93].hex == 0x0007 or option[93].hex == 0x0009 or option[93].hex == 0x0010"


def node_mac(i):
    return "0a:79:00:00:%02x:%02x" % (i >> 8 & 0xff, i & 0xff)


def node_name(i):
    return "cn%05d" % i


def node_ip(i):
    return "10.79.%d.%d" % (1 + i // 250, i % 250 + 1)


def inventory(nodes, macfile):
    if nodes > 65536 or nodes > 250 * 126:
        sys.exit("at most 31,500 nodes (addresses below the pool at 10.79.128.0)")
    # The netboot mix of tests/bench/scale_inventory.hpp: 70 % xnba, grub2, pxe, petitboot.
    methods = ["xnba"] * 6 + ["grub2", "pxe", "petitboot", "xnba"]
    out = ["# boot_storm.py: one /16 on the server's veth end xs0, NODES reserved nodes outside the pool.",
           "site:",
           "  domain: storm.test",
           "  nameservers: <xcatmaster>",
           "  dhcpinterfaces: xs0",
           "  dhcplease: \"43200\"",
           "  master: %s" % SERVER_IP,
           "networks:",
           "  storm79:",
           "    net: 10.79.0.0",
           "    mask: 255.255.0.0",
           "    mgtifname: xs0",
           "    gateway: <xcatmaster>",
           "    tftpserver: <xcatmaster>",
           "    dynamicrange: 10.79.128.1-10.79.255.254",
           "nodes:"]
    macs = []
    for i in range(nodes):
        mac = node_mac(i)
        macs.append(mac)
        os_name = "rhels9.4" if i % 3 else "rhels8.8"
        out.append('  %s: {mac: "%s", ip: %s, netboot: %s, os: %s, currstate: "install %s-x86_64-install-compute",'
                   ' groups: "compute,all"}' % (node_name(i), mac, node_ip(i), methods[i % 10], os_name, os_name))
    out += ["server:",
            "  hostname: stormmn",
            "  names: [stormmn]",
            "  platform: {id: debian, version: \"12\", id_like: \"\", platform_id: \"\"}",
            "  interfaces:",
            "    - {name: lo, addresses: [127.0.0.1/8]}",
            "    - {name: xs0, addresses: [%s/16]}" % SERVER_IP,
            "  routes:",
            "    - {destination: 10.79.0.0/16, interface: xs0}",
            "  backends: {isc: 4.4.3, kea: 2.2.0}",
            "  kea_hooks: [libdhcp_lease_cmds.so]",
            "  tftp_files: [xcat/xnba.efi, xcat/xnba.kpxe]",
            "  ip_forward: true"]
    print("\n".join(out))
    with open(macfile, "w") as f:
        f.write("\n".join(macs) + "\n")


def load_kea(path):
    with open(path) as f:
        text = "".join(line for line in f if not line.lstrip().startswith("//"))
    return json.loads(text)


def subnets(d):
    for s in d.get("subnet4", []):
        yield s
    for n in d.get("shared-networks", []):
        yield n
        for s in n.get("subnet4", []):
            yield s


CLASS_LISTS = ("require-client-classes", "evaluate-additional-classes", "client-class", "client-classes")


def strip_classes(d):
    d.pop("client-classes", None)
    for s in subnets(d):
        for key in CLASS_LISTS:
            s.pop(key, None)
        for p in s.get("pools", []):
            for key in CLASS_LISTS:
                p.pop(key, None)
        for r in s.get("reservations", []):
            r.pop("client-classes", None)
    for r in d.get("reservations", []):
        r.pop("client-classes", None)


def peer_classes(d):
    """Two ordinary (evaluated for every packet) test classes per reserved node, placed before
    ours, as xCAT's Perl backend writes them."""
    classes = []
    for s in subnets(d):
        for r in s.get("reservations", []):
            mac = r.get("hw-address")
            name = r.get("hostname")
            if not mac or not name:
                continue
            hexmac = mac.replace(":", "").lower()
            url = "http://%s/tftpboot/xcat/xnba/nodes/%s" % (SERVER_IP, name)
            ctx = {"xcat": {"node": name, "mac": mac}}
            classes.append({"name": "xcat-xnba-%s-%s-bios" % (name, hexmac),
                            "test": "%s and option[93].hex == 0x0000 and pkt4.mac == 0x%s" % (PEER_XNBA, hexmac),
                            "boot-file-name": url, "user-context": ctx})
            classes.append({"name": "xcat-xnba-%s-%s-uefi" % (name, hexmac),
                            "test": "%s and (%s) and pkt4.mac == 0x%s" % (PEER_XNBA, PEER_UEFI, hexmac),
                            "boot-file-name": url + ".uefi", "user-context": ctx})
    d["client-classes"] = classes + d.get("client-classes", [])


def strip_lists(d):
    """Diagnosis: the classes and the reservations' marker classes stay, no subnet lists them."""
    for s in subnets(d):
        for key in ("require-client-classes", "evaluate-additional-classes"):
            s.pop(key, None)


def variant(args):
    kind, src, dst = args[0], args[1], args[2]
    opts = dict(zip(args[3::2], args[4::2]))
    cfg = load_kea(src)
    d = cfg["Dhcp4"]
    if kind == "none":
        strip_classes(d)
    elif kind == "peer":
        peer_classes(d)
    elif kind == "nolist":
        strip_lists(d)
    elif kind != "ours":
        sys.exit("variant must be none, ours or peer")
    # Benchmark plumbing, the same for every variant: our lease file, socket and log; no lease
    # file cleanup during the run; WARN logging except the dhcp4 logger's INFO (DHCP4_STARTED),
    # so no per-packet log line is written.
    d["lease-database"]["name"] = opts["--lease"]
    d["lease-database"]["lfc-interval"] = 0
    if "control-socket" in d:
        d["control-socket"]["socket-name"] = opts["--socket"]
    elif "control-sockets" in d:
        d["control-sockets"] = [dict(s, **{"socket-name": opts["--socket"]})
                                for s in d["control-sockets"] if s.get("socket-type") == "unix"]
    else:
        d["control-socket"] = {"socket-type": "unix", "socket-name": opts["--socket"]}
    out = [{"output": opts["--log"]}]
    d["loggers"] = [{"name": "kea-dhcp4", "severity": "WARN", "output_options": out},
                    {"name": "kea-dhcp4.dhcp4", "severity": "INFO", "output_options": out}]
    mt = opts.get("--mt", "rendered")
    if mt in ("on", "off"):
        d["multi-threading"] = {"enable-multi-threading": mt == "on"}
    with open(dst, "w") as f:
        json.dump(cfg, f, indent=1)


def kea_command(path, command):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    s.sendall(json.dumps({"command": command}).encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
        try:
            reply = json.loads(data)
            break
        except ValueError:
            continue
    s.close()
    return json.loads(data)


def stats(path):
    reply = kea_command(path, "statistic-get-all")
    if isinstance(reply, list):
        reply = reply[0]
    args = reply.get("arguments", {})

    def value(name):
        samples = args.get(name)
        return samples[0][0] if samples else 0
    print(value("pkt4-received"), value("pkt4-offer-sent"), value("pkt4-ack-sent"))


def perfdhcp(path):
    text = open(path).read()
    sections = {}
    current = None
    for line in text.splitlines():
        if line.startswith("***Statistics for:"):
            current = line.split(":", 1)[1].strip(" *")
            sections[current] = {}
        elif current and ":" in line:
            key, value = line.split(":", 1)
            sections[current][key.strip()] = value.strip()

    def count(section, key):
        try:
            return int(sections[section][key].split()[0])
        except (KeyError, ValueError, IndexError):
            return 0
    print(count("DISCOVER-OFFER", "sent packets"), count("DISCOVER-OFFER", "received packets"),
          count("REQUEST-ACK", "sent packets"), count("REQUEST-ACK", "received packets"))


def summarize(path):
    rows = [line.rstrip("\n").split("\t") for line in open(path)]
    header, rows = rows[0], rows[1:]
    idx = {k: i for i, k in enumerate(header)}
    groups = {}
    for r in rows:
        groups.setdefault((r[idx["server"]], r[idx["mode"]], r[idx["variant"]]), []).append(r)

    def med(group, key):
        vals = [float(r[idx[key]]) for r in group if r[idx[key]] not in ("", "nan")]
        return statistics.median(vals) if vals else float("nan")

    def fmt(x, digits):
        return "–" if x != x else "%.*f" % (digits, x)
    order = {"none": 0, "base": 1, "ours": 2, "peer": 3}
    print("| server | mode | config | runs | DORA/s (range) | replies/s | server CPU ms/pkt (range) | "
          "ours vs. ceiling: CPU / DORA/s | other CPU s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for key in sorted(groups, key=lambda k: (k[0], k[1], order.get(k[2], 9))):
        server, mode, var = key
        g = groups[key]
        dora = [float(r[idx["dora_s"]]) for r in g]
        ms = [float(r[idx["cpu_ms_pkt"]]) for r in g if r[idx["cpu_ms_pkt"]] != "nan"]
        ratio = ""
        ceiling = groups.get((server, mode, "none"))
        if var != "none" and ceiling:
            c_ms, c_dora = med(ceiling, "cpu_ms_pkt"), med(ceiling, "dora_s")
            o_ms, o_dora = med(g, "cpu_ms_pkt"), med(g, "dora_s")
            ratio = "%s %% / %s %%" % (fmt(100 * c_ms / o_ms, 0) if o_ms > 0 else "–",
                                       fmt(100 * o_dora / c_dora, 0) if c_dora > 0 else "–")
        digits = 3 if med(g, "cpu_ms_pkt") < 1 else 1
        print("| %s | %s | %s | %d | %s (%s–%s) | %s | %s (%s–%s) | %s | %s |" % (
            server, mode, {"none": "no classes (ceiling)", "ours": "ours", "peer": "peer shape", "base": "ours, baseline build"}.get(var, var),
            len(g), fmt(med(g, "dora_s"), 0), fmt(min(dora), 0), fmt(max(dora), 0),
            fmt(med(g, "replies_s"), 0), fmt(med(g, "cpu_ms_pkt"), digits),
            fmt(min(ms) if ms else float("nan"), digits), fmt(max(ms) if ms else float("nan"), digits),
            ratio, fmt(med(g, "other_cpu_s"), 1)))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "inventory":
        inventory(int(args[0]), args[1])
    elif cmd == "variant":
        variant(args)
    elif cmd == "stats":
        stats(args[0])
    elif cmd == "perfdhcp":
        perfdhcp(args[0])
    elif cmd == "summarize":
        summarize(args[0])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
