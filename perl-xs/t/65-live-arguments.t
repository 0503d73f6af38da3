# The live calls' arguments and failures that need no server: a socket nobody listens on, bad
# endpoints and sessions, unknown nodes and settings. Each dies with a message naming what is
# wrong, at the caller's line. (70-kea-live.t runs them against a real Kea.)
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Test::More;
use XSTest qw(small_tables);
use xCAT::DHCP::XS qw(:all);

my ($site, $networks, $nodes, $facts) = small_tables();
my $inventory = inventory_from_tables($site, $networks, $nodes, $facts);
my $dir = tempdir(CLEANUP => 1);
my %missing = (socket => "$dir/none.sock");

sub dies_like {
    my ($code, $re, $name) = @_;
    eval { $code->(); 1 } and return fail("$name: did not die");
    like($@, $re, $name);
    like($@, qr/at \S*65-live-arguments\.t line \d+/, "$name: at the caller's line");
}

# Kea endpoints
dies_like(sub { kea_leases(\%missing) }, qr/none\.sock/, 'kea_leases: a socket nobody listens on');
dies_like(sub { kea_stats(\%missing) }, qr/none\.sock/, 'kea_stats: a socket nobody listens on');
my $reply = kea_command(\%missing, 'status-get');
is($reply->{outcome}, 'transport', 'kea_command: no server is an outcome (transport), not a die');
like($reply->{text}, qr/none\.sock|connect/i, "kea_command: the text says why ($reply->{text})");
dies_like(sub { kea_leases({}) }, qr/either a control socket path or a URL/, 'empty endpoint');
dies_like(sub { kea_leases({ socket => 'a', url => 'b' }) }, qr/not both/, 'socket and url');
dies_like(sub { kea_leases({ url => 'http://fd00::1:8004/' }) }, qr/brackets.*\[fd00::1\]/,
    'unbracketed IPv6 URL');
dies_like(sub { kea_leases({ url => 'ftp://x/' }) }, qr/http or https/, 'URL scheme');
dies_like(sub { kea_leases({ url => 'http://127.0.0.1:1/', password_file => '/x' }) },
    qr/a password needs a user/, 'password without user');
dies_like(sub { kea_leases({ socket => 'x', timeout => 0 }) }, qr/timeout '0'/, 'timeout 0');
dies_like(sub { kea_leases({ sokket => 'x' }) }, qr/sokket.*unknown endpoint setting/, 'unknown endpoint key');
dies_like(sub { kea_leases('socket') }, qr/'endpoint' must be a hash reference/, 'endpoint not a hash');
dies_like(sub { kea_leases(\%missing, { mac => 'a', subnet => 1 }) }, qr/at most one of a MAC, an address and a subnet/,
    'two filters');
dies_like(sub { kea_leases(\%missing, { subnet => 'x' }) }, qr/filter\.subnet 'x'/, 'subnet not a number');
dies_like(sub { kea_leases(\%missing, { colour => 1 }) }, qr/unknown lease filter/, 'unknown filter');
dies_like(sub { kea_command(\%missing, 'status get') }, qr/status get/, 'a command name with a space');
dies_like(sub { kea_command(\%missing, 'lease4-get', '[1]') }, qr/object/, 'arguments not an object');
dies_like(sub { kea_command(\%missing, 'x', [1]) }, qr/hash reference or JSON text/, 'arguments an array');
dies_like(sub { kea_command(\%missing) }, qr/Usage/, 'kea_command without a command');

# Reservations
my %base = (endpoint => \%missing, inventory => $inventory, config => "$dir/kea-dhcp4.conf");
# A server that cannot be reached stops the batch: a report, not a die (as the CLI prints it).
my $report = kea_reservations_add({ %base, nodes => ['cn1'], profile => { version => '2.2.0' } });
ok(!$report->{ok} && !$report->{file_written}, 'add without a server: not ok, the file not written');
like($report->{error}, qr/none\.sock.*is the Kea server running/, "add without a server: error says so");
like($report->{nodes}[0]{message}, qr/none\.sock/, 'add without a server: the node carries the reason');
dies_like(sub { kea_reservations_add({ %base, nodes => [] }) }, qr/no node given/, 'add: no nodes');
dies_like(sub { kea_reservations_add({ %base, nodes => [undef] }) }, qr/nodes\[0\] must be a string/,
    'add: undef node');
dies_like(sub { kea_reservations_add({ %base, nodes => ['cn1'], colour => 1 }) }, qr/unknown argument 'colour'/,
    'add: unknown argument');
dies_like(sub { kea_reservations_del({ %base, config => undef, nodes => ['cn1'] }) }, qr/'config'.*required/,
    'del: config required');
dies_like(sub { kea_reservations_query({ %base, inventory => undef, nodes => ['cn1'] }) },
    qr/'inventory' is required/, 'query: inventory required');
dies_like(sub { kea_reservations_query({ %base, inventory => "$dir/none.yaml", nodes => ['cn1'] }) },
    qr/none\.yaml/, 'query: an inventory path that does not exist');
dies_like(sub { kea_reservations_add({ %base, nodes => ['cn1'], profile => { version => 'x' } }) },
    qr/profile\.version/, 'add: bad profile');

# OMAPI
dies_like(sub { omapi_lookup({ server => '127.0.0.1', port => 1, timeout_ms => 500 }, ['cn1']) },
    qr/127\.0\.0\.1|connect/i, 'omapi_lookup: connection refused');
dies_like(sub { omapi_add({ port => 1, secret => 'c2VjcmV0c2VjcmV0c2VjcmV0' }, $inventory, ['ghost']) },
    qr/node ghost.*no host object|ghost/, 'omapi_add: a node without host object, named');
dies_like(sub { omapi_add({ port => 1 }, $inventory) }, qr/secret/, 'omapi_add: the inventory key needs its secret');
dies_like(sub { omapi_lookup({ colour => 1 }, ['cn1']) }, qr/colour.*unknown session setting/, 'unknown session key');
dies_like(sub { omapi_lookup({ family => 5 }, ['cn1']) }, qr/family '5'/, 'family');
dies_like(sub { omapi_lookup({}, [{ ip => 'x' }]) }, qr/key\.ip 'x'/, 'lookup key ip');
dies_like(sub { omapi_lookup({}, [{}]) }, qr/needs name, mac, ip or client_id/, 'empty lookup key');
dies_like(sub { omapi_lookup({}, 'cn1') }, qr/'keys' must be an array reference/, 'keys not an array');
dies_like(sub { omapi_del({ secret => 'c2VjcmV0c2VjcmV0c2VjcmV0' }, $inventory, ['cn1'], { by_ip => 'sometimes' }) }, qr/by_ip 'sometimes'/,
    'by_ip value');

done_testing;
