# The OMAPI calls against a real ISC dhcpd in a network namespace this test creates (and enters,
# so the client reaches dhcpd's OMAPI port on 127.0.0.1): apply (backend isc, services =>
# 'direct') starts dhcpd with the rendered dhcpd.conf; omapi_add puts the nodes' host objects
# in, omapi_lookup finds them, a DHCP exchange (`xcatdhcp probe`) gets the fixed address the
# host object carries, omapi_del removes one; a wrong secret and an unknown node die clearly;
# isc_reservations_add/query/del do the same per node with one outcome each (a bad node fails
# alone); RSS stays flat over repeated lookups.
#
# Prerequisites and XCATDHCP_XS_LIVE as in 70-kea-live.t (here: dhcpd instead of kea-dhcp4).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use Test::More;
use Time::HiRes qw(time sleep);
use JSON::PP ();
use XSTest qw(source_dir which live_requirements veth_namespace enter_namespace probe_address rss_stays_flat stop_pid_files);
use xCAT::DHCP::XS qw(:all);

my $cli = $ENV{XCATDHCP_CLI} || source_dir() . '/build/bin/xcatdhcp';
my @missing;
push @missing, 'root (network namespaces)' if $> != 0;
push @missing, "program '$_'" for grep { !which($_) } qw(ip dhcpd);
push @missing, 'the xcatdhcp CLI (set XCATDHCP_CLI)' unless -x $cli;
push @missing, 'x86_64 (setns syscall number)' unless `uname -m` =~ /x86_64/;
live_requirements('live OMAPI test', @missing);

my $t0 = time;
my $net = '192.168.75';
my $ns = "xso$$";
my $root = tempdir("/tmp/xs-omapi.XXXXXX", CLEANUP => 1);
my $pid_file = "$root/run/xcatdhcp/isc-dhcp-server.pid";
my $json = JSON::PP->new;
my $secret = 'eGNhdC1wZXJsLXhzLW9tYXBpLXRlc3Q=';

sub kill_server { stop_pid_files(glob("$root/run/xcatdhcp/*.pid")) }
END {
    kill_server() if $root;
    system("ip netns del $ns 2>/dev/null") if $ns;
}

ok(veth_namespace($ns, $net), "namespace $ns with a veth pair") or BAIL_OUT('cannot create the network namespace');
enter_namespace($ns);    # the OMAPI client connects to 127.0.0.1 there

my %site = (domain => 'live.test', dhcpinterfaces => 'rsrv0', master => "$net.1",
            nameservers => "$net.1", dhcplease => '600');
my %networks = (live75 => { net => "$net.0", mask => '255.255.255.0', mgtifname => 'rsrv0',
                            tftpserver => '<xcatmaster>', dynamicrange => "$net.100-$net.150" });
my %nodes = (
    cn11 => { mac => '02:75:00:00:00:11', ip => "$net.11", netboot => 'xnba', arch => 'x86_64' },
    cn12 => { mac => '02:75:00:00:00:12', ip => "$net.12", netboot => 'grub2', arch => 'x86_64' },
);
my %facts = (
    hostname => 'xcatmn', names => ['xcatmn'], platform => { id => 'debian', version => '12' },
    interfaces => [ { name => 'lo', addresses => ['127.0.0.1/8'] },
                    { name => 'rsrv0', addresses => ["$net.1/24"] } ],
    routes => [ { destination => "$net.0/24", interface => 'rsrv0' } ],
    hosts => { xcatmn => ["$net.1"], cn11 => ["$net.11"], cn12 => ["$net.12"] },
    backends => { isc => '4.4.3' }, tftp_files => ['xcat/xnba.kpxe', 'xcat/xnba.efi'],
);
my $inventory = inventory_from_tables(\%site, \%networks, \%nodes, \%facts);
my %session = (secret => $secret, timeout_ms => 5000);

my $applied = eval {
    apply({ inventory => $inventory, backend => 'isc', secrets => { omapi_secret => $secret },
            profile => { server_facts => \%facts }, root => $root, services => 'direct', netns => $ns })
};
ok($applied && $applied->{changed}, 'apply (isc, direct): dhcpd started with the rendered dhcpd.conf')
  or BAIL_OUT("apply: $@");
diag('apply steps: ' . join(' | ', @{ $applied->{steps} }));

sub probe { probe_address($cli, $_[0], $ns) }

# Before: no host objects, so cn11 gets a pool address.
my $before = probe($nodes{cn11}{mac});
like($before, qr/^\Q$net.\E1[0-5]\d$/, "before omapi_add: cn11 gets a pool address ($before)");

my $report;
for (1 .. 30) {    # OMAPI listens once dhcpd is up; give it a moment
    $report = eval { omapi_add(\%session, $inventory) };
    last if $report;
    sleep 0.2;
}
ok($report, 'omapi_add of every node') or diag($@);
is($report && $report->{succeeded}, 2, 'omapi_add: two hosts succeeded');
is($report && $report->{failed}, 0, 'omapi_add: none failed');
ok($report && !exists $report->{aborted}, 'omapi_add: not aborted');
is_deeply([sort map { $_->{node} } @{ $report->{hosts} }], ['cn11', 'cn12'], 'omapi_add: per host outcomes');

my $found = omapi_lookup(\%session, ['cn11', { mac => $nodes{cn12}{mac} }, 'ghost']);
is($found->[0]{host}{ip}, "$net.11", 'omapi_lookup by name: the fixed address');
is($found->[0]{host}{mac}, $nodes{cn11}{mac}, 'omapi_lookup by name: the MAC');
is($found->[1]{host}{name}, 'cn12', 'omapi_lookup by MAC: cn12');
ok(!defined $found->[2]{host} && !exists $found->[2]{error}, "omapi_lookup: 'ghost' not found, no error");

# The host object changes what dhcpd hands out, with no restart.
is(probe($nodes{cn11}{mac}), "$net.11", 'probe: cn11 now gets its fixed address from the host object');

my $del = omapi_del(\%session, $inventory, ['cn11']);
is($del->{succeeded}, 1, 'omapi_del cn11');
ok($del->{hosts}[0]{removed} >= 1, "omapi_del: removed $del->{hosts}[0]{removed} object(s)");
ok(!defined omapi_lookup(\%session, ['cn11'])->[0]{host}, 'omapi_lookup after del: gone');
is(omapi_lookup(\%session, ['cn12'])->[0]{host}{ip}, "$net.12", 'cn12 kept');

# makedhcp NODE / -q / -d for ISC: the live layer over the same session, one outcome per node.
my $live = isc_reservations_add({ session => \%session, inventory => $inventory, nodes => ['cn11', 'ghost'] });
is($live->{method}, 'omapi', 'isc_reservations_add: through OMAPI');
ok(!$live->{ok}, 'isc_reservations_add: not ok as a whole (ghost)');
my %outcome = map { $_->{node} => $_ } @{ $live->{nodes} };
ok($outcome{cn11}{ok}, 'isc_reservations_add: cn11 went through') or diag($json->encode($live));
ok(!$outcome{ghost}{ok}, 'isc_reservations_add: ghost failed alone');
like($outcome{ghost}{message}, qr/unknown/i, "isc_reservations_add: ghost's reason: $outcome{ghost}{message}");
is(probe($nodes{cn11}{mac}), "$net.11", 'probe after isc_reservations_add: cn11 gets its fixed address');
my $query = isc_reservations_query({ session => \%session, inventory => $inventory, nodes => ['cn11', 'cn12'] });
is(scalar @$query, 2, 'isc_reservations_query: one entry per node');
ok($query->[0]{found}, 'isc_reservations_query: cn11 found');
is($query->[0]{reservations}[0]{'ip-address'}, "$net.11", 'isc_reservations_query: the fixed address');
is(lc $query->[0]{reservations}[0]{'hw-address'}, $nodes{cn11}{mac}, 'isc_reservations_query: the MAC');
is(ref $query->[0]{leases}, 'ARRAY', 'isc_reservations_query: leases listed');
my $gone = isc_reservations_del({ session => \%session, inventory => $inventory, nodes => ['cn11'] });
ok($gone->{ok}, 'isc_reservations_del cn11') or diag($json->encode($gone));
ok(!defined omapi_lookup(\%session, ['cn11'])->[0]{host}, 'after isc_reservations_del: no host object');
eval { isc_reservations_add({ session => \%session, inventory => $inventory, nodes => ['cn11'], bogus => 1 }) };
like($@, qr/unknown argument 'bogus'/, 'isc_reservations_add: an unknown argument dies naming it');

# Errors
eval { omapi_lookup({ %session, secret => 'd3Jvbmctc2VjcmV0LXdyb25n' }, ['cn12']) };
like($@, qr/authenticat/i, 'a wrong secret dies: ' . (split /\n/, $@)[0]);
eval { omapi_add(\%session, $inventory, ['cn11', 'ghost']) };
like($@, qr/ghost/, 'an unknown node dies naming it');
eval { omapi_lookup({ %session, port => 7999, timeout_ms => 1000 }, ['cn12']) };
like($@, qr/7999|connect/i, 'a port nobody listens on dies');

rss_stays_flat('omapi calls', $ENV{XCATDHCP_XS_LIVE_ITERATIONS} || 300, sub {
    omapi_lookup(\%session, ['cn12', 'ghost', { ip => "$net.12" }]);
    eval { omapi_add(\%session, $inventory, ['ghost']) };
});

kill_server();
diag(sprintf('live OMAPI test: %.1f s', time - $t0));
done_testing;
