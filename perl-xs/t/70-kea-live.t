# The live calls against a real Kea 2.2 (the host's kea-dhcp4) in a network namespace this test
# creates: apply (services => 'direct' starts the server in the namespace; an invalid config is
# refused with the old one still serving), kea_reservations_add/query/del (the config-set path:
# Kea 2.2 has no host_cmds), a DHCP exchange with `xcatdhcp probe` from the client end of a veth
# pair, then kea_leases and kea_stats must show what that exchange created; kea_command; errors
# naming the node, the endpoint or the setting; RSS flat over repeated live calls.
#
# Needs root (network namespaces), ip, kea-dhcp4 and the xcatdhcp CLI (for probe): the build's
# bin/xcatdhcp, or $XCATDHCP_CLI. Without them the test is skipped, unless XCATDHCP_XS_LIVE=1
# (tests/integration/perl_xs.sh sets it), which makes a missing prerequisite a failure.
# XCATDHCP_XS_LIVE=0 skips it.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use Test::More;
use Time::HiRes qw(time sleep);
use JSON::PP ();
use XSTest qw(source_dir which live_requirements veth_namespace probe_address rss_stays_flat stop_pid_files);
use xCAT::DHCP::XS qw(:all);

my $cli = $ENV{XCATDHCP_CLI};
if (!$cli) {
    ($cli) = grep { -x } (source_dir() . '/build/bin/xcatdhcp');
}
my @missing;
push @missing, 'root (network namespaces)' if $> != 0;
push @missing, "program '$_'" for grep { !which($_) } qw(ip kea-dhcp4);
push @missing, 'the xcatdhcp CLI (set XCATDHCP_CLI)' unless $cli && -x $cli;
live_requirements('live Kea test', @missing);

my ($kea_version) = `kea-dhcp4 -V 2>/dev/null` =~ /^(\d+\.\d+\.\d+)/;
my $t0 = time;
my $net = '192.168.73';
my $ns = "xsk$$";
my $root = tempdir("/tmp/xs-kea.XXXXXX", CLEANUP => 1);
my $config = "$root/etc/kea/kea-dhcp4.conf";
my $pid_file = "$root/run/xcatdhcp/kea-dhcp4-server.pid";
my $json = JSON::PP->new->canonical;

sub kill_server { stop_pid_files($pid_file) }

END {
    kill_server() if $root;
    system("ip netns del $ns 2>/dev/null") if $ns;
}

# The namespace: lo + a veth pair rsrv0 (the server, $net.1/24) <-> rcli0 (the probe).
ok(veth_namespace($ns, $net), "namespace $ns with a veth pair") or BAIL_OUT('cannot create the network namespace');

my %nodes = (
    cn11 => { mac => '02:73:00:00:00:11', ip => "$net.11", netboot => 'xnba', arch => 'x86_64' },
    cn20 => { mac => '02:73:00:00:00:20', ip => "$net.20", netboot => 'xnba', arch => 'x86_64' },
    cn22 => { mac => '02:73:00:00:00:22', netboot => 'xnba', arch => 'x86_64' },   # no address
);
my %facts = (
    hostname   => 'xcatmn',
    names      => ['xcatmn'],
    platform   => { id => 'debian', version => '12' },
    interfaces => [ { name => 'lo', addresses => ['127.0.0.1/8'] },
                    { name => 'rsrv0', addresses => ["$net.1/24"] } ],
    routes     => [ { destination => "$net.0/24", interface => 'rsrv0' } ],
    hosts      => { xcatmn => ["$net.1"], cn11 => ["$net.11"], cn20 => ["$net.20"] },
    backends   => { kea => $kea_version },
    tftp_files => ['xcat/xnba.kpxe', 'xcat/xnba.efi'],
);
my %site = (domain => 'live.test', dhcpinterfaces => 'rsrv0', master => "$net.1",
            nameservers => "$net.1", dhcplease => '3600');
my %networks = (live73 => { net => "$net.0", mask => '255.255.255.0', mgtifname => 'rsrv0',
                            tftpserver => '<xcatmaster>', dynamicrange => "$net.100-$net.150" });
# Start with cn11 only in the server's file; cn20 is added live.
my $inventory1 = inventory_from_tables(\%site, \%networks, { cn11 => $nodes{cn11} }, \%facts);
my $inventory = inventory_from_tables(\%site, \%networks, \%nodes, \%facts);
# Private paths; the log goes to stdout, where services => 'direct' waits for DHCP4_STARTED.
my %profile = (version => $kea_version, lease_dir => "$root/var/lib/kea",
               socket_dir => "$root/run/kea", log_dir => '');
my %endpoint = (socket => "$root/run/kea/kea4-ctrl-socket");
# What the Kea package creates on a host.
make_path("$root/$_") for qw(run/kea var/lib/kea);

# ---- apply: render from the inventory, validate, write into the private root, start Kea
my $applied = eval {
    apply({ inventory => $inventory1, profile => \%profile, root => $root,
            services => 'direct', netns => $ns })
};
ok($applied, 'apply: services => direct starts kea-dhcp4 in the namespace') or diag($@);
is($applied && $applied->{changed}, 1, 'apply: changed');
is_deeply($applied && [grep { /kea-dhcp4\.conf$/ } @{ $applied->{written} }], [$config],
    'apply: kea-dhcp4.conf written under root');
is(sprintf('%04o', (stat $config)[2] & 07777), '0640', 'apply: mode 0640');
diag("apply steps: " . join(' | ', @{ $applied->{steps} })) if $applied;
# The socket name the renderer chose
if (!-S $endpoint{socket}) {
    my ($sock) = glob("$root/run/kea/*sock*");
    $endpoint{socket} = $sock if $sock;
}
my $status;
for (1 .. 100) {
    $status = eval { kea_command(\%endpoint, 'status-get') };
    last if $status && $status->{outcome} eq 'ok';
    sleep 0.1;
}
is($status && $status->{outcome}, 'ok', "kea_command status-get over $endpoint{socket}")
  or BAIL_OUT("Kea did not come up: " . ($@ || $json->encode($status // {})));
my $pid0 = $status->{arguments}{pid};
ok($pid0, "kea_command: arguments decoded (pid $pid0)");

my $again = apply({ inventory => $inventory1, profile => \%profile, root => $root,
                    services => 'direct', netns => $ns });
is($again->{changed}, 0, 'apply again: unchanged');

# ---- a DHCP exchange from the client end
sub probe { probe_address($cli, $_[0], $ns) }
is(probe($nodes{cn11}{mac}), "$net.11", 'probe: cn11 gets its reserved address from the applied config');

# ---- live reservations (Kea 2.2: config-set)
my $report = kea_reservations_add({ endpoint => \%endpoint, inventory => $inventory, config => $config,
                                    profile => \%profile, nodes => ['cn20', 'ghost', 'cn22'] });
ok(!$report->{ok}, 'add: the batch is not ok (bad nodes)');
is($report->{method}, 'config-set', 'add: method config-set (no host_cmds in 2.2)');
ok($report->{file_written}, 'add: file written');
my %by_node = map { $_->{node} => $_ } @{ $report->{nodes} };
ok($by_node{cn20} && $by_node{cn20}{ok}, 'add: cn20 ok');
ok($by_node{ghost} && !$by_node{ghost}{ok}, "add: ghost failed: $by_node{ghost}{message}");
like($by_node{ghost}{message} // '', qr/ghost|inventory|unknown/i, 'add: the message says why for ghost');
ok($by_node{cn22} && !$by_node{cn22}{ok}, "add: cn22 (no address) failed: $by_node{cn22}{message}");
is(probe($nodes{cn20}{mac}), "$net.20", 'probe: cn20 gets its reservation at once');
my $status1 = kea_command(\%endpoint, 'status-get');
is($status1->{arguments}{pid}, $pid0, 'no restart');

my $query = kea_reservations_query({ endpoint => \%endpoint, inventory => $inventory, config => $config,
                                     nodes => ['cn20'] });
is(ref $query, 'ARRAY', 'query: a list');
ok($query->[0]{found}, "query: cn20 found ($query->[0]{source})");
is($query->[0]{reservations}[0]{'ip-address'}, "$net.20", 'query: reservation address');
ok((grep { $_->{'ip-address'} eq "$net.20" } @{ $query->[0]{leases} }), 'query: the lease of the exchange');

# ---- leases and statistics of that exchange
my $leases = kea_leases(\%endpoint, { mac => $nodes{cn20}{mac} });
is(scalar(@$leases), 1, 'kea_leases by mac: one lease');
is($leases->[0]{'ip-address'}, "$net.20", 'kea_leases by mac: the address the exchange got');
is($leases->[0]{'hw-address'}, $nodes{cn20}{mac}, 'kea_leases by mac: hw-address');
my $by_ip = kea_leases(\%endpoint, { ip => "$net.11" });
is($by_ip->[0]{'hw-address'}, $nodes{cn11}{mac}, 'kea_leases by ip: cn11');
my $subnet_id = $leases->[0]{'subnet-id'};
my $all = kea_leases(\%endpoint, { subnet => $subnet_id });
is_deeply([sort map { $_->{'ip-address'} } @$all], ["$net.11", "$net.20"], "kea_leases by subnet $subnet_id: both");
is_deeply(kea_leases(\%endpoint, { ip => "$net.222" }), [], 'kea_leases of an unknown address: empty list');
my $stats = kea_stats(\%endpoint);
ok($stats->{'pkt4-ack-sent'} && $stats->{'pkt4-ack-sent'}[0][0] >= 2,
    "kea_stats: pkt4-ack-sent $stats->{'pkt4-ack-sent'}[0][0] (two exchanges)");
my $assigned = $stats->{"subnet[$subnet_id].assigned-addresses"};
ok($assigned && $assigned->[0][0] >= 2, "kea_stats: subnet[$subnet_id].assigned-addresses = " . ($assigned ? $assigned->[0][0] : 'none'));
my $one = kea_stats(\%endpoint, 'pkt4-ack-sent');
is_deeply([keys %$one], ['pkt4-ack-sent'], 'kea_stats NAME: that statistic');
eval { kea_stats(\%endpoint, 'no-such-statistic') };
like($@, qr/no-such-statistic.*no such statistic/, 'kea_stats: an unknown name dies naming it');

my $raw = kea_command(\%endpoint, 'lease4-get', { 'ip-address' => "$net.20" });
is($raw->{arguments}{'hw-address'}, $nodes{cn20}{mac}, 'kea_command with a hash of arguments');
my $raw_text = kea_command(\%endpoint, 'lease4-get', qq({"ip-address": "$net.20"}));
is($raw_text->{outcome}, 'ok', 'kea_command with JSON text arguments');
my $unsupported = kea_command(\%endpoint, 'reservation-add', { reservation => {} });
is($unsupported->{outcome}, 'unsupported', 'kea_command: a command without its hook is an outcome, not a die');

# ---- del
my $del = kea_reservations_del({ endpoint => \%endpoint, inventory => $inventory, config => $config,
                                 nodes => 'cn20' });
ok($del->{ok}, 'del cn20: ok');
my $after = kea_reservations_query({ endpoint => \%endpoint, inventory => $inventory, nodes => ['cn20'] });
ok(!$after->[0]{found}, 'query after del: no reservation');
my $pool = probe($nodes{cn20}{mac});
like($pool, qr/^\Q$net.\E(1[0-4]\d|150)$/, "probe after del: cn20 gets a pool address ($pool)");

# ---- an invalid configuration is refused; the old one keeps serving
my $files = render_kea(build_intent($inventory1), \%profile);
(my $broken = $files->{'kea-dhcp4.conf'}) =~ s/"subnet4"/"subnet4-typo"/;
eval { apply({ files => { %$files, 'kea-dhcp4.conf' => $broken }, backend => 'kea', root => $root,
               services => 'direct', netns => $ns }) };
like($@, qr/valid|kea-dhcp4/i, 'apply of an invalid config dies') and diag("apply error: " . (split /\n/, $@)[0]);
unlike(do { local (@ARGV, $/) = $config; <> }, qr/subnet4-typo/, 'the file on disk is still the old one');
is(kea_command(\%endpoint, 'status-get')->{arguments}{pid}, $pid0, 'the same server still runs');
is(probe($nodes{cn11}{mac}), "$net.11", 'and still serves (a DHCP exchange proves it)');

# ---- errors
eval { kea_leases({ socket => "$root/none.sock" }) };
like($@, qr/none\.sock/, 'a socket nobody listens on: dies naming it');
unlike($@, qr/XS\.pm/, 'the message points at the caller');
eval { kea_leases({ socket => $endpoint{socket}, url => 'http://127.0.0.1:8004/' }) };
like($@, qr/either a control socket path or a URL/, 'socket and url together: dies');
eval { kea_leases({ sokket => 'x' }) };
like($@, qr/sokket.*unknown endpoint setting/, 'an unknown endpoint setting: dies naming it');
eval { kea_leases(\%endpoint, { mac => 'x', ip => 'y' }) };
like($@, qr/at most one of a MAC, an address and a subnet/, 'two lease filters: dies');
eval { kea_reservations_add({ endpoint => \%endpoint, inventory => $inventory, nodes => ['cn20'] }) };
like($@, qr/config/, 'add without config: dies');
eval { kea_reservations_add({ endpoint => \%endpoint, inventory => $inventory, config => $config, nodes => [],
                              profile => \%profile }) };
like($@, qr/no node/, 'add without nodes: dies');
eval { kea_reservations_add({ endpoint => { url => 'http://fd00::1:8004/' }, inventory => $inventory,
                              config => $config, nodes => ['cn20'], profile => \%profile }) };
like($@, qr/brackets/, 'an unbracketed IPv6 URL: dies with the bracketed form');
my $bad = kea_reservations_query({ endpoint => \%endpoint, inventory => $inventory, nodes => ['ghost'] });
ok(!$bad->[0]{found}, "query of an unknown node: not found ($bad->[0]{message})");

# ---- memory: the live calls, repeated, keep RSS flat
rss_stays_flat('live calls', $ENV{XCATDHCP_XS_LIVE_ITERATIONS} || 300, sub {
    kea_leases(\%endpoint, { mac => $nodes{cn11}{mac} });
    kea_stats(\%endpoint, 'pkt4-ack-sent');
    kea_command(\%endpoint, 'status-get');
    kea_reservations_query({ endpoint => \%endpoint, inventory => $inventory, nodes => ['cn11', 'ghost'] });
    eval { kea_leases({ socket => "$root/none.sock" }) };
    eval { kea_stats(\%endpoint, 'no-such-statistic') };
});

kill_server();
diag(sprintf('live Kea %s test: %.1f s', $kea_version, time - $t0));
done_testing;
