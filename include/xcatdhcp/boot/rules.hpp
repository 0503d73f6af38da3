// The rule tables: subnet-level (discovery) rules and per-node boot plans for every
// noderes.netboot method. Pure functions of their inputs.
#pragma once

#include <string>
#include <vector>

#include "xcatdhcp/boot/policy.hpp"

namespace xcatdhcp::boot {

struct SubnetContext {
    std::string tftp_host;    // next-server address text; "" when unknown (relayed, no tftpserver)
    std::string net;          // "10.0.0.0" (as in the nets/<net>_<bits> file names)
    int prefix_length = 0;
    std::string port_suffix;  // ":8080" or ""
};

// Discovery rules for one subnet, in evaluation order (first match wins). Second-stage rules
// come first, so a loader can never be handed itself again (the UEFI 0x0007 loop).
std::vector<Rule> subnet_rules(const SubnetContext& context);

struct NodeContext {
    std::string node;
    std::string netboot;         // noderes.netboot
    std::string currstate;       // chain.currstate
    std::string os;              // nodetype.os
    std::string boot_server;     // host for node URLs: node tftpserver IP, or "${next-server}"
    std::string port_suffix;
    // iSCSI (iscsi.server/target/lun/iname)
    std::string iscsi_server, iscsi_target, iscsi_lun, iscsi_iname;
    std::string onie_installer_path;  // first linuximage.pkgdir entry ("" = default installer)
};

// The node's plan. Throws nothing: an unknown netboot value gives Kind::subnet_default.
BootPlan node_plan(const NodeContext& context);

// The xNBA second-stage URL of a node: http://HOST[:port]/tftpboot/xcat/xnba/nodes/NODE[.uefi]
std::string xnba_node_url(const std::string& host, const std::string& port_suffix,
                          const std::string& node, bool uefi);

// Architecture lists shared by the tables.
const std::vector<std::uint16_t>& x64_uefi_architectures();  // 0x0007, 0x0009, 0x0010

// Every netboot value the policy knows.
const std::vector<std::string>& known_netboot_methods();

}  // namespace xcatdhcp::boot
