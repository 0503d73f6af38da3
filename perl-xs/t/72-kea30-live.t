# The Kea live calls against Kea 3.0 (the sid chroot of tests/tools/kea-chroot.sh, host_cmds
# loaded) in a network namespace this test creates and enters: kea_reservations_add/query/del
# through reservation-add/-del over the UNIX socket, then the same over the daemon's own HTTP
# socket with basic auth from a password file; a DHCP exchange (`xcatdhcp probe`) gets the
# reserved address at once; kea_leases / kea_stats over HTTP; a wrong password is refused.
#
# Needs root, ip, the CLI (probe) and the ready sid chroot (tests/tools/kea-chroot.sh, or
# $XCATDHCP_KEA_CHROOT). Skipped without them, unless
# XCATDHCP_XS_LIVE=1 (then a failure); XCATDHCP_XS_LIVE=0 skips it.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Test::More;
use Time::HiRes qw(time sleep);
use JSON::PP ();
use POSIX ();
use XSTest qw(enter_namespace live_requirements probe_address source_dir veth_namespace);
use xCAT::DHCP::XS qw(:all);

my $source = source_dir();
my $cli = $ENV{XCATDHCP_CLI} || "$source/build/bin/xcatdhcp";
my $chroot_tool = $ENV{XCATDHCP_KEA_CHROOT} || "$source/tests/tools/kea-chroot.sh";
my $root30 = -x $chroot_tool ? `$chroot_tool path sid 2>/dev/null` : '';
chomp $root30;
my $version = $root30 ? `$chroot_tool version sid 2>/dev/null` : '';
($version) = $version =~ /(\d+\.\d+\.\d+)/;
my @missing;
push @missing, 'root (network namespaces, chroot)' if $> != 0;
push @missing, "program 'ip'" unless grep { -x "$_/ip" } qw(/usr/sbin /sbin /usr/bin /bin);
push @missing, 'the xcatdhcp CLI (set XCATDHCP_CLI)' unless -x $cli;
push @missing, "the sid chroot with Kea 3 ($chroot_tool ensure sid)" unless $root30 && $version;
push @missing, 'x86_64 (setns syscall number)' unless `uname -m` =~ /x86_64/;
live_requirements('live Kea 3.0 test', @missing);

my $t0 = time;
my $net = '192.168.76';
my $ns = "xs3$$";
my $tag = "xs3-$$";
my $work = tempdir("/tmp/xs-kea30.XXXXXX", CLEANUP => 1);
my $config = "$root30/etc/kea/$tag.json";
my @chroot_files = map { "$root30$_" } ("/etc/kea/$tag.json", "/etc/kea/$tag.pw", "/run/kea/$tag.sock",
    "/run/kea/$tag.sock.lock", "/var/lib/kea/$tag.csv", "/var/lib/kea/$tag.csv2",
    "/etc/kea/.$tag.json.xcatdhcp-lock");
my $server_pid;
my $json = JSON::PP->new->canonical;

END {
    if ($server_pid) {
        kill 'TERM', $server_pid;
        for (1 .. 50) { last if waitpid($server_pid, POSIX::WNOHANG()) || !kill(0, $server_pid); sleep 0.1 }
        kill 'KILL', $server_pid if kill 0, $server_pid;
    }
    unlink @chroot_files, glob("$root30/var/lib/kea/$tag.csv.*"), glob("$root30/etc/kea/.$tag.json.*")
      if $root30;
    system("ip netns del $ns 2>/dev/null") if $ns;
}

ok(veth_namespace($ns, $net), "namespace $ns with a veth pair") or BAIL_OUT('cannot create the network namespace');
enter_namespace($ns);    # the HTTP socket is here

my %site = (domain => 'live.test', dhcpinterfaces => 'rsrv0', master => "$net.1",
            nameservers => "$net.1", dhcplease => '3600');
my %networks = (live76 => { net => "$net.0", mask => '255.255.255.0', mgtifname => 'rsrv0',
                            tftpserver => '<xcatmaster>', dynamicrange => "$net.100-$net.150" });
my %nodes = (
    cn11 => { mac => '02:76:00:00:00:11', ip => "$net.11", netboot => 'xnba', arch => 'x86_64' },
    cn20 => { mac => '02:76:00:00:00:20', ip => "$net.20", netboot => 'xnba', arch => 'x86_64' },
);
my %facts = (
    hostname => 'xcatmn', names => ['xcatmn'], platform => { id => 'debian', version => '13' },
    interfaces => [ { name => 'lo', addresses => ['127.0.0.1/8'] },
                    { name => 'rsrv0', addresses => ["$net.1/24"] } ],
    routes => [ { destination => "$net.0/24", interface => 'rsrv0' } ],
    hosts => { xcatmn => ["$net.1"], cn11 => ["$net.11"], cn20 => ["$net.20"] },
    backends => { kea => $version }, tftp_files => ['xcat/xnba.kpxe', 'xcat/xnba.efi'],
);
my $inventory1 = inventory_from_tables(\%site, \%networks, { cn11 => $nodes{cn11} }, \%facts);
my $inventory = inventory_from_tables(\%site, \%networks, \%nodes, \%facts);
my %profile = (version => $version);

# The server's file: the render, with this test's own socket, lease file and an HTTP socket
# with basic auth (the chroot is shared: every name carries the tag).
my $rendered = render_kea(build_intent($inventory1), { %profile, log_dir => '' })->{'kea-dhcp4.conf'};
(my $text = $rendered) =~ s{^\s*//.*$}{}mg;
my $doc = $json->decode($text);
$doc->{Dhcp4}{'lease-database'} = { type => 'memfile', persist => JSON::PP::true,
                                    name => "/var/lib/kea/$tag.csv", 'lfc-interval' => 0 };
$doc->{Dhcp4}{'control-sockets'} = [
    { 'socket-type' => 'unix', 'socket-name' => "/run/kea/$tag.sock" },
    { 'socket-type' => 'http', 'socket-address' => '127.0.0.1', 'socket-port' => 8004,
      authentication => { type => 'basic', realm => 'xcat-xs', directory => '/etc/kea',
                          clients => [ { user => 'xsadmin', 'password-file' => "$tag.pw" } ] } },
];
delete $doc->{Dhcp4}{'control-socket'};
open my $fh, '>', $config or BAIL_OUT("cannot write $config: $!");
print $fh $json->pretty->encode($doc);
close $fh;
open $fh, '>', "$root30/etc/kea/$tag.pw" or BAIL_OUT("cannot write the password file: $!");
print $fh 'xs-kea30-live';
close $fh;
chmod 0640, "$root30/etc/kea/$tag.pw";

$server_pid = fork() // BAIL_OUT("fork: $!");
if (!$server_pid) {
    open STDOUT, '>', "$work/kea.log";
    open STDERR, '>&', \*STDOUT;
    exec($chroot_tool, 'run', 'sid', 'kea-dhcp4', '-c', "/etc/kea/$tag.json") or POSIX::_exit(127);
}
my %unix = (socket => "$root30/run/kea/$tag.sock");
my %http = (url => 'http://127.0.0.1:8004/', user => 'xsadmin', password_file => "$root30/etc/kea/$tag.pw");
my $status;
for (1 .. 150) {
    $status = eval { kea_command(\%unix, 'status-get') };
    last if $status && $status->{outcome} eq 'ok';
    sleep 0.1;
}
is($status && $status->{outcome}, 'ok', "kea-dhcp4 $version is up (UNIX socket)")
  or BAIL_OUT('Kea 3.0 did not come up: ' . `tail -n 5 $work/kea.log`);
my $pid0 = $status->{arguments}{pid};

sub probe { probe_address($cli, $_[0], '') }

my %common = (inventory => $inventory, config => $config, profile => \%profile);
for my $transport (['unix', \%unix], ['http', \%http]) {
    my ($name, $endpoint) = @$transport;
    my $add = kea_reservations_add({ %common, endpoint => $endpoint, nodes => ['cn20'] });
    ok($add->{ok}, "[$name] add cn20: ok");
    is($add->{method}, 'host_cmds', "[$name] add: method host_cmds (reservation-add)");
    ok((grep { /reservation-add/ } @{ $add->{nodes}[0]{actions} }),
        "[$name] add: actions " . join('; ', @{ $add->{nodes}[0]{actions} }));
    is(probe($nodes{cn20}{mac}), "$net.20", "[$name] probe: cn20 gets $net.20 at once");
    my $query = kea_reservations_query({ %common, endpoint => $endpoint, nodes => ['cn20'] });
    ok($query->[0]{found}, "[$name] query: found through $query->[0]{source}");
    is($query->[0]{reservations}[0]{'ip-address'}, "$net.20", "[$name] query: the reserved address");
    my $leases = kea_leases($endpoint, { mac => $nodes{cn20}{mac} });
    is_deeply([map { $_->{'ip-address'} } @$leases], ["$net.20"], "[$name] kea_leases: the exchange's lease");
    my $stats = kea_stats($endpoint, 'pkt4-ack-sent');
    cmp_ok($stats->{'pkt4-ack-sent'}[0][0], '>=', 1, "[$name] kea_stats: pkt4-ack-sent $stats->{'pkt4-ack-sent'}[0][0]");
    my $del = kea_reservations_del({ %common, endpoint => $endpoint, nodes => ['cn20'] });
    ok($del->{ok}, "[$name] del cn20: ok");
    ok(!kea_reservations_query({ %common, endpoint => $endpoint, nodes => ['cn20'] })->[0]{found},
        "[$name] query after del: gone");
    my $pool = probe($nodes{cn20}{mac});
    like($pool, qr/^\Q$net.\E1[0-5]\d$/, "[$name] probe after del: a pool address ($pool)");
}
is(kea_command(\%unix, 'status-get')->{arguments}{pid}, $pid0, 'no restart');

open $fh, '>', "$work/wrong.pw" or die;
print $fh 'wrong';
close $fh;
my $refused = kea_reservations_add({ %common, endpoint => { %http, password_file => "$work/wrong.pw" },
                                     nodes => ['cn20'] });
ok(!$refused->{ok} && !$refused->{file_written}, 'a wrong password: nothing written');
like($refused->{error} // '', qr/unauthorized/, "a wrong password: the error says unauthorized");
eval { kea_leases({ %http, password_file => "$work/wrong.pw" }) };
like($@, qr/unauthorized/, 'kea_leases with a wrong password dies: unauthorized');

diag(sprintf('live Kea %s test: %.1f s', $version, time - $t0));
done_testing;
