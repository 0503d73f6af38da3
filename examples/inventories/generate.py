#!/usr/bin/env python3
"""Write the example cluster inventory in its two equal forms.

    examples/inventories/cluster.yaml      one YAML file: site, networks, nodes, osimages, server
    examples/inventories/cluster/          lsdef -z stanza files plus server.yaml

Both forms come from the same Python data, so they cannot drift apart; the unit test
tests/unit/inventory_test.cpp checks that they load to identical inventories.
Run it again after any change:  python3 examples/inventories/generate.py
Standard library only; the output is deterministic (no clocks, no randomness).
"""

import ipaddress
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------------------------
# The cluster. Every value is text, exactly as `lsdef` would print it.
# ---------------------------------------------------------------------------------------------

DOMAIN = "cluster.example"

SITE = {
    "dhcpbackend": "auto",
    "dhcpinterfaces": "xcatmn|eth1,eth2,ib0,!remote!;service|eth1",
    "dhcplease": "43200",
    "dhcpomapialgorithm": "hmac-md5",
    "dhcpomapikeyname": "xcat_key",
    "dhcpsetup": "y",
    "disjointdhcps": "0",
    "dnshandler": "ddns",
    "domain": DOMAIN,
    "forwarders": "192.168.122.1",
    "httpport": "80",
    "installdir": "/install",
    "master": "10.0.0.1",
    "nameservers": "<xcatmaster>",
    "ntpservers": "<xcatmaster>",
    "sharedtftp": "1",
    "tftpdir": "/tftpboot",
    "timezone": "Europe/Berlin",
    "xcatdport": "3001",
    "xcatiport": "3002",
}

NETWORKS = {
    # Management network on eth1: the MN owns its dynamic range (dhcpserver empty).
    "10_0_0_0-255_255_0_0": {
        "dynamicrange": "10.0.200.1-10.0.254.254",
        "gateway": "<xcatmaster>",
        "mask": "255.255.0.0",
        "mgtifname": "eth1",
        "net": "10.0.0.0",
        "tftpserver": "<xcatmaster>",
    },
    # Second provisioning network (POWER nodes) on eth2: dynamic range in CIDR form.
    "172_20_0_0-255_255_0_0": {
        "ddnsdomain": "power." + DOMAIN,
        "dynamicrange": "172.20.192.0/18",
        "mask": "255.255.0.0",
        "mgtifname": "eth2",
        "mtu": "9000",
        "nameservers": "<xcatmaster>",
        "net": "172.20.0.0",
        "tftpserver": "<xcatmaster>",
    },
    # IPoIB network on ib0: two ';'-separated ranges.
    "10_100_0_0-255_255_0_0": {
        "domain": "ib." + DOMAIN,
        "dynamicrange": "10.100.250.1-10.100.250.254;10.100.251.1-10.100.251.254",
        "mask": "255.255.0.0",
        "mgtifname": "ib0",
        "mtu": "65520",
        "net": "10.100.0.0",
    },
    # Relayed rack network behind the router 10.0.0.254; service node sn1 owns its range,
    # so the MN renders that subnet without a pool.
    "10_10_0_0-255_255_0_0": {
        "dhcpserver": "sn1",
        "dynamicrange": "10.10.200.1-10.10.200.254",
        "gateway": "10.10.0.254",
        "logservers": "10.10.0.2",
        "mask": "255.255.0.0",
        "mgtifname": "!remote!eth1",
        "nameservers": "10.10.0.2",
        "net": "10.10.0.0",
        "ntpservers": "10.10.0.2",
        "tftpserver": "10.10.0.2",
        "usercomment": "rack 9, relayed by 10.0.0.254",
    },
    # IPv6 on eth1, stored the way makenetworks stores it: net with /len, mask "/len",
    # object name (netname) = net.
    "fd00:10::/64": {
        "dynamicrange": "fd00:10::1000-fd00:10::1fff",
        "mask": "/64",
        "mgtifname": "eth1",
        "nameservers": "fd00:10::1",
        "net": "fd00:10::/64",
    },
}

OSIMAGES = {
    "cumulus3.5.2-armel": {
        "imagetype": "linux",
        "osarch": "armel",
        "osname": "cumulus",
        "osvers": "cumulus3.5.2",
        "pkgdir": "/install/cumulus3.5.2/armel/cumulus-linux-3.5.2-bcm-armel.bin",
        "provmethod": "install",
    },
}


def mac_for(ip, first="42:00"):
    """Deterministic locally administered MAC: 42:00 followed by the four IPv4 octets."""
    return first + ":" + ":".join("%02x" % int(o) for o in ip.split("."))


def ipoib_hwaddr(guid_tail):
    """20-octet IPoIB hardware address: 4 bytes QPN/flags, then the 16-byte port GID."""
    octets = [0x80, 0x00, 0x02, 0x08, 0xFE, 0x80, 0, 0, 0, 0, 0, 0,
              0x0C, 0x42, 0xA1, 0x03, 0x00] + list(guid_tail)
    return ":".join("%02x" % o for o in octets)


def currstate_for(number, image):
    return ("boot", "install " + image, "netboot " + image)[number % 3]


NODES = {}
HOSTS = {}       # server facts: name -> [addresses]
KINDS = {}       # kind -> node count, for the summary printed at the end


def add_node(name, kind, ip, attributes):
    attributes = dict(attributes)
    attributes["ip"] = ip
    assert name not in NODES, name
    NODES[name] = attributes
    HOSTS.setdefault(name, []).append(ip)
    KINDS[kind] = KINDS.get(kind, 0) + 1


# Service nodes: members of group "service", so "service|eth1" in site.dhcpinterfaces is theirs.
for number, name in ((2, "sn1"), (3, "sn2")):
    ip = "10.0.0.%d" % number
    add_node(name, "service node", ip, {
        "arch": "x86_64",
        "groups": "service,all",
        "installnic": "mac",
        "mac": mac_for(ip),
        "mgt": "ipmi",
        "netboot": "xnba",
        "nodetype": "osi",
        "os": "rhels9.4",
        "primarynic": "mac",
        "profile": "service",
        "provmethod": "rhels9.4-x86_64-install-service",
        "setupconserver": "1",
        "setupnameserver": "1",
        "setuptftp": "1",
    })
HOSTS["sn1-eth1"] = ["10.10.0.2"]  # sn1's leg in the relayed rack network

# x86_64 compute nodes cn0001..cn0200 on the management network, 10.0.1.x.
for n in range(1, 201):
    name = "cn%04d" % n
    ip = "10.0.%d.%d" % (1 + (n - 1) // 250, 1 + (n - 1) % 250)
    if n <= 100:      # BIOS-firmware machines, legacy OS image
        netboot, os_name, kind = "xnba", "rhels8.8", "x86_64 xnba (rhels8.8)"
    elif n <= 150:    # UEFI machines
        netboot, os_name, kind = "xnba", "rhels9.4", "x86_64 xnba UEFI (rhels9.4)"
    elif n <= 170:
        netboot, os_name, kind = "pxe", "centos7.9", "x86_64 pxe"
    elif n <= 185:
        netboot, os_name, kind = "grub2", "rhels9.4", "x86_64 grub2"
    elif n <= 190:
        netboot, os_name, kind = "grub2-http", "rhels9.4", "x86_64 grub2-http"
    else:             # served by service node sn2
        netboot, os_name, kind = "xnba", "rocky9.4", "x86_64 xnba via sn2"
    image = "%s-x86_64-%s-compute" % (os_name, "netboot" if n % 3 == 2 else "install")
    attributes = {
        "arch": "x86_64",
        "currstate": currstate_for(n, image),
        "groups": "compute,x86,all",
        "installnic": "mac",
        "mac": mac_for(ip),
        "mgt": "ipmi",
        "netboot": netboot,
        "nodetype": "osi",
        "os": os_name,
        "primarynic": "mac",
        "profile": "compute",
        "provmethod": image,
    }
    if n > 190:
        attributes.update({"servicenode": "sn2", "tftpserver": "sn2", "xcatmaster": "sn2"})
    if n in (1, 2):   # dual-stack nodes: DUID from vpd uuid, IPv6 address known to the resolver
        attributes["uuid"] = "4c4c4544-0030-3410-8058-b%011d" % n
    if n == 5:        # second NIC: an IPoIB port registered under the alias cn0005-ib
        attributes["mac"] = mac_for(ip) + "|" + ipoib_hwaddr((0x00, 0x01, 0x05)) + "!cn0005-ib"
        HOSTS["cn0005-ib"] = ["10.100.1.5"]
    if n == 10:       # a NIC that must never get an address or boot
        attributes["mac"] = mac_for(ip) + "|" + mac_for(ip, "42:01") + "!*NOIP*"
    add_node(name, kind, ip, attributes)
    if "uuid" in attributes:
        HOSTS[name].append("fd00:10::%x" % (0x100 + n))

# aarch64 nodes, grub2, 10.0.2.x.
for n in range(1, 41):
    name = "arm%03d" % n
    ip = "10.0.2.%d" % n
    image = "rhels9.4-aarch64-install-compute"
    add_node(name, "aarch64 grub2", ip, {
        "arch": "aarch64",
        "currstate": currstate_for(n, image),
        "groups": "compute,arm,all",
        "mac": mac_for(ip),
        "mgt": "ipmi",
        "netboot": "grub2",
        "nodetype": "osi",
        "os": "rhels9.4",
        "profile": "compute",
        "provmethod": image,
    })

# ppc64le OpenPOWER nodes, petitboot, on the eth2 network 172.20.1.x.
for n in range(1, 41):
    name = "pw%03d" % n
    ip = "172.20.1.%d" % n
    image = "rhels8.8-ppc64le-install-compute"
    add_node(name, "ppc64le petitboot", ip, {
        "arch": "ppc64le",
        "currstate": currstate_for(n, image),
        "groups": "compute,power,all",
        "mac": mac_for(ip),
        "mgt": "openbmc",
        "netboot": "petitboot",
        "nodetype": "osi",
        "os": "rhels8.8",
        "profile": "compute",
        "provmethod": image,
    })

# Old big-endian POWER LPARs, yaboot, 10.0.3.x.
for n in range(1, 5):
    name = "p7n%02d" % n
    ip = "10.0.3.%d" % n
    add_node(name, "ppc64 yaboot", ip, {
        "arch": "ppc64",
        "currstate": "boot",
        "groups": "compute,power7,all",
        "mac": mac_for(ip),
        "mgt": "hmc",
        "netboot": "yaboot",
        "nodetype": "ppc,osi",
        "os": "rhels7.9",
        "profile": "compute",
        "provmethod": "rhels7.9-ppc64-install-compute",
    })

# iSCSI-booting nodes (xnba SAN boot), 10.0.5.x; the target lives on storage host 10.0.0.50.
for n, with_iname in ((1, True), (2, False)):
    name = "iscsi%02d" % n
    ip = "10.0.5.%d" % n
    attributes = {
        "arch": "x86_64",
        "currstate": "iscsiboot",
        "groups": "compute,iscsi,all",
        "iscsilun": "1" if with_iname else "0",
        "iscsiserver": "10.0.0.50",
        "iscsitarget": "iqn.2024-01.example.cluster:%s-root" % name,
        "mac": mac_for(ip),
        "mgt": "ipmi",
        "netboot": "xnba",
        "nodetype": "osi",
        "os": "rhels9.4",
        "profile": "compute",
    }
    if with_iname:
        attributes["iscsiname"] = "iqn.2024-01.example.cluster:initiator-%s" % name
    add_node(name, "iSCSI boot", ip, attributes)

# A node that boots over InfiniBand only: its mac is a 20-octet IPoIB address on ib0.
add_node("io01", "IPoIB only", "10.100.0.10", {
    "arch": "x86_64",
    "currstate": "boot",
    "groups": "io,all",
    "mac": ipoib_hwaddr((0x00, 0x00, 0x0A)),
    "mgt": "ipmi",
    "netboot": "xnba",
    "nodetype": "osi",
    "os": "rhels9.4",
    "profile": "io",
    "provmethod": "rhels9.4-x86_64-install-io",
})

# The node in the relayed rack, managed through sn1.
add_node("rn01", "relayed network", "10.10.1.1", {
    "arch": "x86_64",
    "currstate": "boot",
    "groups": "compute,rack9,all",
    "mac": mac_for("10.10.1.1"),
    "mgt": "ipmi",
    "netboot": "xnba",
    "nodetype": "osi",
    "os": "rhels9.4",
    "profile": "compute",
    "provmethod": "rhels9.4-x86_64-install-compute",
    "servicenode": "sn1",
    "tftpserver": "sn1-eth1",
    "xcatmaster": "sn1-eth1",
})

# An ONIE white-box switch that installs Cumulus Linux from the osimage's pkgdir.
add_node("sw01", "ONIE switch", "10.0.4.1", {
    "arch": "armv7l",
    "groups": "switch,edge_switch,all",
    "mac": mac_for("10.0.4.1"),
    "mgt": "switch",
    "netboot": "onie",
    "nodetype": "switch",
    "provmethod": "cumulus3.5.2-armel",
    "switchtype": "onie",
    "usercomment": "Edgecore Networks Switch",
})

# A switch already running Cumulus Linux (zero-touch provisioning, no netboot).
add_node("leaf01", "Cumulus switch", "10.0.4.2", {
    "arch": "x86_64",
    "groups": "switch,all",
    "mac": mac_for("10.0.4.2"),
    "mgt": "switch",
    "nodetype": "switch",
    "status": "configured",
    "switchtype": "Mellanox SN2010",
})

HOSTS["xcatmn"] = ["10.0.0.1"]
HOSTS["xcatmn.cluster.example"] = ["10.0.0.1"]

SERVER = {
    "hostname": "xcatmn",
    "names": ["xcatmn", "xcatmn.cluster.example"],
    "platform": {"id": "debian", "version": "12", "id_like": "", "platform_id": ""},
    "interfaces": [
        {"name": "lo", "addresses": ["127.0.0.1/8", "::1/128"]},
        {"name": "eth0", "addresses": ["192.168.122.10/24"]},
        {"name": "eth1", "addresses": ["10.0.0.1/16", "fd00:10::1/64", "fe80::4000:aff:fe00:1/64"]},
        {"name": "eth2", "addresses": ["172.20.0.1/16"]},
        {"name": "ib0", "addresses": ["10.100.0.1/16"]},
    ],
    "routes": [
        {"destination": "default", "interface": "eth0", "gateway": "192.168.122.1"},
        {"destination": "192.168.122.0/24", "interface": "eth0"},
        {"destination": "10.0.0.0/16", "interface": "eth1"},
        {"destination": "10.10.0.0/16", "interface": "eth1", "gateway": "10.0.0.254"},
        {"destination": "172.20.0.0/16", "interface": "eth2"},
        {"destination": "10.100.0.0/16", "interface": "ib0"},
        {"destination": "fd00:10::/64", "interface": "eth1"},
    ],
    "backends": {"isc": "4.4.3", "kea": "2.2.0"},
    # Debian 12's kea 2.2.0 packages (no host_cmds hook).
    "kea_hooks": [
        "libdhcp_bootp.so", "libdhcp_flex_option.so", "libdhcp_ha.so", "libdhcp_lease_cmds.so",
        "libdhcp_mysql_cb.so", "libdhcp_pgsql_cb.so", "libdhcp_run_script.so",
        "libdhcp_stat_cmds.so",
    ],
    "tftp_files": ["xcat/xnba.efi", "xcat/xnba.kpxe"],
    "ip_forward": True,
}

# ---------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------

PLAIN = re.compile(r"^[A-Za-z0-9_./<][A-Za-z0-9_./<>:|,;=*!@+ -]*$")


def yaml_text(value, flow=False):
    """A YAML scalar whose text is exactly `value` (always read back as a string)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    plain = (PLAIN.match(value) and not value.endswith((" ", ":")) and ": " not in value
             and " #" not in value and not (flow and (":" in value or "," in value)))
    if plain:
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped + '"'


def yaml_key(name):
    return yaml_text(name, flow=True)


def yaml_attributes(out, attributes, indent):
    for key in sorted(attributes):
        out.append("%s%s: %s" % (" " * indent, yaml_key(key), yaml_text(attributes[key])))


def yaml_objects(out, objects, indent):
    for name in sorted(objects):
        out.append("%s%s:" % (" " * indent, yaml_key(name)))
        yaml_attributes(out, objects[name], indent + 2)


def yaml_list(items):
    return "[" + ", ".join(yaml_text(i, flow=True) for i in items) + "]"


def yaml_server(out, indent):
    pad = " " * indent
    s = SERVER
    out.append("%shostname: %s" % (pad, yaml_text(s["hostname"])))
    out.append("%snames: %s" % (pad, yaml_list(s["names"])))
    out.append("%splatform:" % pad)
    for key in ("id", "version", "id_like", "platform_id"):
        out.append("%s  %s: %s" % (pad, key, yaml_text(s["platform"][key])))
    out.append("%sinterfaces:" % pad)
    for interface in s["interfaces"]:
        out.append("%s  - name: %s" % (pad, yaml_text(interface["name"])))
        out.append("%s    addresses: %s" % (pad, yaml_list(interface["addresses"])))
    out.append("%sroutes:" % pad)
    for route in s["routes"]:
        fields = ["destination: " + yaml_text(route["destination"], flow=True),
                  "interface: " + yaml_text(route["interface"], flow=True)]
        if "gateway" in route:
            fields.append("gateway: " + yaml_text(route["gateway"], flow=True))
        out.append("%s  - {%s}" % (pad, ", ".join(fields)))
    out.append("%shosts:" % pad)
    for name in sorted(HOSTS):
        out.append("%s  %s: %s" % (pad, yaml_key(name), yaml_list(HOSTS[name])))
    out.append("%sbackends: {%s}" % (pad, ", ".join(
        "%s: %s" % (k, yaml_text(v, flow=True)) for k, v in sorted(s["backends"].items()))))
    out.append("%skea_hooks:" % pad)
    for hook in s["kea_hooks"]:
        out.append("%s  - %s" % (pad, yaml_text(hook)))
    out.append("%stftp_files: %s" % (pad, yaml_list(s["tftp_files"])))
    out.append("%sip_forward: %s" % (pad, yaml_text(s["ip_forward"])))


GENERATED = "Generated by examples/inventories/generate.py; edit that script, not this file."


def write(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


def write_yaml(path):
    out = [
        "# Example xCAT cluster for libxcatdhcp (see docs/inventory.md).",
        "# " + GENERATED,
        "# The same cluster as lsdef -z stanza files: cluster/ (both load to identical inventories).",
        "# DHCP server: the management node xcatmn (Debian 12, ISC dhcpd and Kea installed).",
        "",
        "site:",
    ]
    yaml_attributes(out, SITE, 2)
    out += ["", "networks:"]
    yaml_objects(out, NETWORKS, 2)
    out += ["", "nodes:"]
    yaml_objects(out, NODES, 2)
    out += ["", "osimages:"]
    yaml_objects(out, OSIMAGES, 2)
    out += ["", "# Facts about xcatmn itself (a probe would read them from the running system).",
            "server:"]
    yaml_server(out, 2)
    write(path, out)


def stanza_value(value):
    if "\n" in value:
        sys.exit("a stanza value cannot hold a newline: %r" % value)
    return value


def write_stanzas(path, objtype, objects):
    """The shape `lsdef -z` prints: header comment, then per object (sorted by name) a blank
    line, 'NAME:', '    objtype=TYPE' and the attributes sorted by name."""
    out = ["# <xCAT data object stanza file>"]
    for name in sorted(objects):
        out += ["", "%s:" % name, "    objtype=%s" % objtype]
        for key in sorted(objects[name]):
            out.append("    %s=%s" % (key, stanza_value(objects[name][key])))
    write(path, out)


def check():
    """The example must stay valid: every node address inside a network of the table and
    outside every dynamic range, no address or MAC used twice."""
    prefixes, ranges = [], []
    for name, network in NETWORKS.items():
        net = network["net"] if "/" in network["net"] else network["net"] + "/" + network["mask"]
        prefixes.append(ipaddress.ip_network(net))
        for item in network.get("dynamicrange", "").split(";"):
            if "/" in item:
                block = ipaddress.ip_network(item)
                ranges.append((block[0], block[-1]))
            elif item:
                first, last = item.split("-")
                ranges.append((ipaddress.ip_address(first), ipaddress.ip_address(last)))
    seen_addresses, seen_macs = {}, {}
    for name, addresses in HOSTS.items():
        for text in addresses:
            address = ipaddress.ip_address(text)
            if name.startswith("xcatmn"):
                continue
            assert any(address in p for p in prefixes), (name, text, "not in any network")
            assert not any(a.version == address.version and a <= address <= b
                           for a, b in ranges), (name, text, "inside a dynamic range")
            assert seen_addresses.setdefault(address, name) == name, (name, text, "used twice")
    for name, node in NODES.items():
        assert HOSTS[name][0] == node["ip"], name
        for element in node.get("mac", "").split("|"):
            mac = element.split("!")[0].lower()
            assert re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5,19}", mac), (name, mac)
            assert seen_macs.setdefault(mac, name) == name, (name, mac, "used twice")
            alias = element.split("!")[1] if "!" in element else name
            assert alias == "*NOIP*" or alias in HOSTS, (name, alias, "does not resolve")


def main():
    check()
    write_yaml(os.path.join(HERE, "cluster.yaml"))
    directory = os.path.join(HERE, "cluster")
    write_stanzas(os.path.join(directory, "site.stanza"), "site", {"clustersite": SITE})
    write_stanzas(os.path.join(directory, "networks.stanza"), "network", NETWORKS)
    write_stanzas(os.path.join(directory, "nodes.stanza"), "node", NODES)
    write_stanzas(os.path.join(directory, "osimages.stanza"), "osimage", OSIMAGES)
    out = ["# Facts about the DHCP server xcatmn (xCAT's tables do not hold them).",
           "# " + GENERATED]
    yaml_server(out, 0)
    write(os.path.join(directory, "server.yaml"), out)
    if "-v" in sys.argv[1:]:
        for kind in KINDS:
            print("%5d  %s" % (KINDS[kind], kind))
        print("%5d  nodes in total" % len(NODES))


if __name__ == "__main__":
    main()
