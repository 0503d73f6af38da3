# select_backend and parse_server_facts.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use XSTest qw(small_tables source_dir);
use xCAT::DHCP::XS qw(select_backend parse_server_facts inventory_from_tables load_inventory);

my ($site, $networks, $nodes, $facts) = small_tables();

# ---- parse_server_facts
my $parsed = parse_server_facts($facts);
is($parsed->{hostname}, 'xcatmn', 'facts from a hash');
is_deeply($parsed->{interfaces}, [ { name => 'eth1', addresses => ['10.0.0.1/16'] } ], 'interfaces');
is_deeply($parsed->{backends}, { isc => '4.4.3', kea => '2.2.0' }, 'backends');
is_deeply($parsed->{tftp_files}, ['xcat/xnba.efi', 'xcat/xnba.kpxe'], 'tftp files sorted by the library');
ok($parsed->{ip_forward}, 'ip_forward true');

my $yaml = "hostname: mn\nplatform: {id: rocky, version: '10.0'}\nbackends: {kea: 2.6.1}\n"
  . "routes:\n  - {destination: default, interface: eth0, gateway: 192.168.1.1}\n";
$parsed = parse_server_facts($yaml);
is($parsed->{platform}{id}, 'rocky', 'facts from YAML text');
is($parsed->{routes}[0]{destination}, '0.0.0.0/0', 'default route normalized by the library');
is(parse_server_facts('{"server": {"hostname": "j"}}')->{hostname}, 'j', 'JSON text with server: wrapper');

my $server_yaml = source_dir() . '/examples/inventories/cluster/server.yaml';
open my $fh, '<', $server_yaml or die "$server_yaml: $!";
my $cluster_facts = parse_server_facts(do { local $/; <$fh> });
is($cluster_facts->{hostname}, 'xcatmn', 'example cluster facts');

ok(parse_server_facts({ ip_forward => !!0 }), 'perl boolean false');
ok(!parse_server_facts({ ip_forward => !!0 })->{ip_forward}, '... is false');
ok(parse_server_facts({ ip_forward => JSON::PP::true() })->{ip_forward}, 'JSON::PP::true');

eval { parse_server_facts({ bogus => 1 }) };
like($@, qr/unknown server fact/, 'unknown fact croaks with the library message');
eval { parse_server_facts({ interfaces => [ { name => 'eth0', addresses => ['10.0.0.300/8'] } ] }) };
like($@, qr/server\.interfaces\.addresses/, 'bad address croaks naming the attribute');
eval { parse_server_facts(undef) };
like($@, qr/^parse_server_facts: argument 'text' must be a hash reference or YAML\/JSON text, not undef/,
    'undef croaks');
eval { parse_server_facts(sub { 1 }) };
like($@, qr/not a code reference/, 'code reference croaks');
eval { parse_server_facts({ hostname => sub { 1 } }) };
like($@, qr/may hold only hashes, arrays, strings and booleans/, 'code reference inside croaks');
my %cycle = (hostname => 'x');
$cycle{names} = [ \%cycle ];
eval { parse_server_facts(\%cycle) };
like($@, qr/nested too deeply/, 'reference cycle croaks instead of recursing forever');
delete $cycle{names};
eval { parse_server_facts("hostname: \"a\0b\"\n") };
ok(1, 'NUL in YAML text does not crash');
is(parse_server_facts({ hostname => "a\"b\\c\nd\0e" })->{hostname}, "a\"b\\c\nd\0e",
    'quotes, backslashes, newline and NUL survive the trip');
eval { parse_server_facts('[' x 100_000) };
ok($@, 'deeply nested YAML croaks');

# ---- select_backend
my $choice = select_backend($site, $facts);
is_deeply([sort keys %$choice], [qw(backend fell_back reason setting)], 'result keys');
is($choice->{backend}, 'isc', 'auto on Debian 12 is ISC');
is($choice->{setting}, 'auto', 'setting');
is($choice->{fell_back}, 0, 'no fallback');
like($choice->{reason}, qr/debian/i, 'reason names the platform');

my %rocky = (platform => { id => 'rocky', version => '10.0', id_like => 'rhel centos fedora' },
    backends => { kea => '2.6.1' });
is(select_backend({ dhcpbackend => 'auto' }, \%rocky)->{backend}, 'kea', 'auto on EL10 is Kea');
is(select_backend({}, \%rocky)->{backend}, 'kea', 'absent dhcpbackend is auto');
is(select_backend({ dhcpbackend => undef }, \%rocky)->{backend}, 'kea', 'undef dhcpbackend is auto');
is(select_backend('KEA', \%rocky)->{backend}, 'kea', 'the value itself, any case');
my $fb = select_backend('auto', { platform => { id => 'debian', version => '12' },
    backends => { kea => '2.2.0' } });
is($fb->{backend}, 'kea', 'fallback to the installed one');
is($fb->{fell_back}, 1, 'fell_back set');
is(select_backend('auto', $yaml)->{backend}, 'kea', 'facts as YAML text');

my $inventory = inventory_from_tables($site, $networks, $nodes, $facts);
is(select_backend($inventory)->{backend}, 'isc', 'one argument: an inventory object');
is(select_backend(load_inventory(source_dir() . '/examples/inventories/cluster'))->{backend},
    'isc', 'one argument: an inventory hash');

eval { select_backend({ dhcpbackend => 'dnsmasq' }, $facts) };
like($@, qr/dhcpbackend 'dnsmasq'/, 'invalid setting croaks naming the value');
eval { select_backend('isc', \%rocky) };
like($@, qr/not installed/, 'forced backend not installed croaks');
eval { select_backend('auto', {}) };
like($@, qr/installed/, 'auto with nothing installed croaks');
eval { select_backend(undef, $facts) };
like($@, qr/^select_backend: argument 'site' must be a hash reference .* not undef/, 'undef site');
eval { select_backend($site, undef) };
like($@, qr/^select_backend: argument 'server_facts' .* not undef/, 'undef facts');
eval { select_backend([], $facts) };
like($@, qr/argument 'site' .* not an array reference/, 'array site');
eval { select_backend({ dhcpbackend => [] }, $facts) };
like($@, qr/site attribute 'dhcpbackend' must be a string/, 'reference value croaks');
eval { select_backend("kea\0isc", $facts) };
like($@, qr/\\x00/, 'NUL in the setting escaped in the message');
eval { select_backend() };
like($@, qr/Usage/, 'no argument');
eval { select_backend(1, 2, 3) };
like($@, qr/expects/, 'three arguments');
eval { select_backend('not an inventory') };
like($@, qr/argument 'inventory' must be/, 'one non-inventory argument');

done_testing;
