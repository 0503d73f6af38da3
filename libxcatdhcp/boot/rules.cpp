#include "xcatdhcp/boot/rules.hpp"

#include <algorithm>
#include <cctype>

namespace xcatdhcp::boot {

namespace {

const std::string xnba_bios_loader = "xcat/xnba.kpxe";
const std::string xnba_uefi_loader = "xcat/xnba.efi";
const std::string http_client = "HTTPClient";

Rule rule(std::string name, Match match, Action action) {
    return Rule{std::move(name), std::move(match), std::move(action)};
}

Match arch_match(std::vector<std::uint16_t> architectures, Stage stage = Stage::any) {
    Match m;
    m.architectures = std::move(architectures);
    m.stage = stage;
    return m;
}

Match vendor_match(std::string prefix, Stage stage = Stage::any) {
    Match m;
    m.vendor_class_prefix = std::move(prefix);
    m.stage = stage;
    return m;
}

Action file(std::string filename, bool broadcast = false) {
    Action a;
    a.filename = std::move(filename);
    a.always_broadcast = broadcast;
    return a;
}

// HTTP boot firmware ignores an offer without vendor class "HTTPClient" and an absolute URL.
Action http_boot(std::string url) {
    Action a = file(std::move(url));
    a.options.push_back({option::vendor_class, http_client});
    return a;
}

Action send_option(std::uint8_t code, std::string value) {
    Action a;
    a.options.push_back({code, std::move(value)});
    return a;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

// xCAT's UEFI eligibility from nodetype.os: 0 = no UEFI support, 2 = Windows, 1 = otherwise.
int uefi_support(const std::string& os) {
    // xCAT matches these unanchored, case-sensitively.
    static constexpr std::string_view legacy[] = {"win2k3", "winxp",  "SL5",    "rhels5",
                                                  "centos5", "sl5", "sles10", "esxi4"};
    for (auto literal : legacy)
        if (os.find(literal) != std::string::npos) return 0;
    if (starts_with(os, "win") || starts_with(os, "hyperv")) return 2;
    return 1;
}

}  // namespace

const std::vector<std::uint16_t>& x64_uefi_architectures() {
    static const std::vector<std::uint16_t> list = {arch::x64_uefi, arch::x64_uefi_alt,
                                                    arch::x64_uefi_http};
    return list;
}

const std::vector<std::string>& known_netboot_methods() {
    static const std::vector<std::string> list = {"xnba",    "pxe",       "grub2", "grub2-tftp",
                                                  "grub2-http", "petitboot", "yaboot", "onie",
                                                  "nimol"};
    return list;
}

std::string xnba_node_url(const std::string& host, const std::string& port_suffix,
                          const std::string& node, bool uefi) {
    return "http://" + host + port_suffix + "/tftpboot/xcat/xnba/nodes/" + node +
           (uefi ? ".uefi" : "");
}

std::vector<Rule> subnet_rules(const SubnetContext& c) {
    const bool have_server = !c.tftp_host.empty();
    const std::string base = "http://" + c.tftp_host + c.port_suffix;
    const std::string net_script =
        base + "/tftpboot/xcat/xnba/nets/" + c.net + "_" + std::to_string(c.prefix_length);

    std::vector<Rule> rules;
    if (have_server) {
        // Second stage first: xNBA asking again gets the network's genesis script.
        rules.push_back(rule("xnba-bios", arch_match({arch::x86_bios}, Stage::second),
                             file(net_script, true)));
        rules.push_back(rule("xnba-uefi", arch_match(x64_uefi_architectures(), Stage::second),
                             file(net_script + ".uefi")));
    }
    rules.push_back(rule("bios", arch_match({arch::x86_bios}, Stage::first), file(xnba_bios_loader)));
    rules.push_back(rule("etherboot", vendor_match("Etherboot-5.4", Stage::first),
                         file(xnba_bios_loader)));
    rules.push_back(rule("uefi-x64", arch_match({arch::x64_uefi, arch::x64_uefi_alt}, Stage::first),
                         file(xnba_uefi_loader)));
    if (have_server)
        rules.push_back(rule("uefi-x64-http", arch_match({arch::x64_uefi_http}, Stage::first),
                             http_boot(base + "/tftpboot/" + xnba_uefi_loader)));
    rules.push_back(rule("ia64", arch_match({arch::ia64_efi}), file("elilo.efi")));
    rules.push_back(rule("arm64", arch_match({arch::arm64_uefi}), file("boot/grub2/grub2.aarch64")));
    if (have_server)
        rules.push_back(rule("arm64-http", arch_match({arch::arm64_uefi_http}),
                             http_boot(base + "/tftpboot/boot/grub2/grub2.aarch64")));
    rules.push_back(rule("ppc-openfirmware", arch_match({arch::ppc_open_firmware}),
                         file("/boot/grub2/grub2.ppc")));
    if (have_server) {
        rules.push_back(rule("opal", arch_match({arch::power_opal}),
                             send_option(option::pxelinux_conf_file,
                                         base + "/tftpboot/pxelinux.cfg/p/" + c.net + "_" +
                                             std::to_string(c.prefix_length))));
        rules.push_back(rule("onie", vendor_match("onie_vendor"),
                             send_option(option::onie_installer_url,
                                         base + "/install/onie/onie-installer")));
    }
    // Legacy PowerPC OpenFirmware sends no architecture at all.
    Match legacy;
    legacy.no_architecture = true;
    legacy.stage = Stage::first;
    rules.push_back(rule("openfirmware-legacy", legacy, file("/yaboot")));
    return rules;
}

BootPlan node_plan(const NodeContext& c) {
    BootPlan plan;
    plan.netboot = c.netboot;
    const std::string method = lower(c.netboot);
    const std::string state = lower(c.currstate);
    const bool iscsi = !c.iscsi_server.empty() && !c.iscsi_target.empty();
    const bool boots_from_disk = state == "boot" || state == "iscsiboot";

    if (iscsi) {
        // Some firmware needs the LUN spelled out, so 0 is explicit.
        std::string lun = c.iscsi_lun.empty() ? "0" : c.iscsi_lun;
        plan.options.push_back(
            {option::root_path, "iscsi:" + c.iscsi_server + ":6:3260:" + lun + ":" + c.iscsi_target});
        if (!c.iscsi_iname.empty()) plan.options.push_back({option::iscsi_initiator_iqn, c.iscsi_iname});
    }
    auto any = [] { return Match{}; };
    auto node_file = [&](std::string name, std::string path) {
        plan.kind = BootPlan::Kind::custom;
        plan.rules.push_back(rule(std::move(name), any(), file(std::move(path))));
    };

    if (method == "xnba") {
        const std::string script = xnba_node_url(c.boot_server, c.port_suffix, c.node, false);
        const std::string script_uefi = xnba_node_url(c.boot_server, c.port_suffix, c.node, true);
        const int uefi = uefi_support(c.os);
        plan.kind = BootPlan::Kind::custom;
        if (iscsi && boots_from_disk) {
            // BIOS firmware loads xNBA, which then SAN-boots from the root path.
            plan.rules.push_back(rule("iscsi-bios", arch_match({arch::x86_bios}, Stage::first),
                                      file(xnba_bios_loader)));
            plan.rules.push_back(rule("iscsi-sanboot", any(), file("")));
        } else if ((uefi == 2 && starts_with(state, "install")) || starts_with(state, "winshell")) {
            // Windows: UEFI firmware is handed to the PXE server (proxyDHCP) for WinPE.
            plan.rules.push_back(rule("xnba-bios", arch_match({arch::x86_bios}, Stage::second),
                                      file(script, true)));
            Action handoff = file("");
            handoff.options.push_back({option::vendor_class, "PXEClient"});
            plan.rules.push_back(rule("windows-uefi",
                                      arch_match({arch::x64_uefi, arch::x64_uefi_alt}, Stage::first),
                                      handoff));
            plan.rules.push_back(rule("bios", arch_match({arch::x86_bios}, Stage::first),
                                      file(xnba_bios_loader)));
            plan.rules.push_back(rule("other", any(), file("")));
        } else if (uefi != 0 && !boots_from_disk) {
            // The standard chain: firmware gets the loader from the subnet rules, xNBA gets the
            // node's script. Every x64 UEFI id goes to the .uefi script, so no loader loops.
            plan.kind = iscsi ? BootPlan::Kind::custom : BootPlan::Kind::xnba_node;
            plan.rules.push_back(rule("xnba-bios", arch_match({arch::x86_bios}, Stage::second),
                                      file(script, true)));
            plan.rules.push_back(rule("xnba-uefi", arch_match(x64_uefi_architectures(), Stage::second),
                                      file(script_uefi)));
        } else {
            // Booting from disk (or an OS without UEFI support): BIOS still chains to xNBA,
            // whose node script boots locally; UEFI firmware gets no file and moves on.
            plan.rules.push_back(rule("xnba-bios", arch_match({arch::x86_bios}, Stage::second),
                                      file(script)));
            plan.rules.push_back(rule("bios", arch_match({arch::x86_bios}, Stage::first),
                                      file(xnba_bios_loader)));
            plan.rules.push_back(rule("local", any(), file("")));
        }
    } else if (method == "pxe") {
        plan.kind = BootPlan::Kind::custom;
        if (iscsi && boots_from_disk) {
            plan.rules.push_back(rule("iscsi-sanboot", Match{{}, false, Stage::second, {}}, file("")));
            plan.rules.push_back(rule("iscsi-bios", arch_match({arch::x86_bios}, Stage::first),
                                      file(xnba_bios_loader)));
        } else {
            plan.rules.push_back(rule("scalemp", vendor_match("ScaleMP"), file("vsmp/pxelinux.0")));
            plan.rules.push_back(rule("pxelinux", any(), file("pxelinux.0")));
        }
    } else if (starts_with(method, "grub2")) {
        // grub2, grub2-tftp, grub2-http: the transport is chosen by nodeset's grub.cfg.
        node_file("grub2", "/boot/grub2/grub2-" + c.node);
    } else if (method == "petitboot") {
        plan.kind = BootPlan::Kind::custom;
        plan.options.push_back({option::pxelinux_conf_file,
                                "http://" + c.boot_server + c.port_suffix + "/tftpboot/petitboot/" + c.node});
    } else if (method == "yaboot") {
        node_file("yaboot", "/yb/node/yaboot-" + c.node);
    } else if (method == "onie") {
        plan.kind = BootPlan::Kind::custom;
        std::string path = c.onie_installer_path.empty() ? "/install/onie/onie-installer"
                                                         : c.onie_installer_path;
        if (path.front() != '/') path.insert(path.begin(), '/');
        plan.rules.push_back(rule("onie", vendor_match("onie_vendor"),
                                  send_option(option::onie_installer_url,
                                              "http://" + c.boot_server + c.port_suffix + path)));
    } else if (method == "nimol") {
        node_file("nimol", "/vios/nodes/" + c.node);
    } else if (!plan.options.empty()) {
        plan.kind = BootPlan::Kind::custom;
    }
    return plan;
}

}  // namespace xcatdhcp::boot
