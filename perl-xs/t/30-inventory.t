# load_inventory, inventory_from_tables, inventory_from_hash and the inventory object.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use XSTest qw(small_tables source_dir);
use xCAT::DHCP::XS qw(load_inventory inventory_from_tables inventory_from_hash build_intent);

my $cluster = source_dir() . '/examples/inventories/cluster';
my ($site, $networks, $nodes, $facts, $osimages) = small_tables();

# ---- load_inventory
my $inv = load_inventory($cluster);
is_deeply([sort keys %$inv], [qw(networks nodes osimages server site)], 'sections');
is($inv->{site}{dhcpbackend}, 'auto', 'site attribute');
ok(!exists $inv->{site}{objtype}, 'objtype is not an attribute');
is($inv->{networks}{'10_0_0_0-255_255_0_0'}{mgtifname}, 'eth1', 'network attribute');
ok(scalar(keys %{ $inv->{nodes} }) > 100, 'nodes: ' . scalar keys %{ $inv->{nodes} });
is($inv->{server}{hostname}, 'xcatmn', 'server facts');
is(ref $inv->{server}{interfaces}, 'ARRAY', 'facts structured');

my $yaml_inv = load_inventory(source_dir() . '/examples/inventories/cluster.yaml');
is_deeply($yaml_inv, $inv, 'YAML and stanza forms of the example cluster agree');

my $object = load_inventory($cluster, { object => 1 });
isa_ok($object, 'xCAT::DHCP::XS::Inventory');
is($object->node_count, scalar keys %{ $inv->{nodes} }, 'node_count');
is_deeply($object->to_hash, $inv, 'to_hash equals the hash form');
like($object->to_json, qr/^\{\n  "networks"/, 'to_json is the library JSON');

eval { load_inventory('/nonexistent/inventory.yaml') };
like($@, qr/cannot/, 'missing file croaks');
like($@, qr/at \S+30-inventory\.t line/, '... at the caller');
eval { load_inventory(undef) };
like($@, qr/^load_inventory: argument 'path' must be a string, not undef/, 'undef path');
eval { load_inventory("$cluster\0/etc/passwd") };
like($@, qr/NUL byte/, 'path with NUL refused, not truncated');
eval { load_inventory($cluster, 'object') };
like($@, qr/options' must be a hash reference/, 'options must be a hash');
eval { load_inventory(source_dir() . '/Makefile.PL') };
ok($@, 'not an inventory file croaks');

# ---- inventory_from_tables
my $tables = inventory_from_tables($site, $networks, $nodes, $facts, $osimages);
isa_ok($tables, 'xCAT::DHCP::XS::Inventory');
my $h = $tables->to_hash;
ok(!exists $h->{site}{dnshandler}, 'undef site value is absent');
ok(!exists $h->{nodes}{cn3}{comment}, 'undef node value is absent');
is($h->{nodes}{cn1}{ip}, '10.0.1.1', 'node attribute kept');
is_deeply($h->{osimages}, {}, 'no osimages');
ok(inventory_from_tables($site, $networks, $nodes, $facts), 'osimages optional');
ok(inventory_from_tables($site, $networks, $nodes, $facts, undef), 'osimages undef');

# rows, as getAllEntries returns them
my @network_rows = map { { %{ $networks->{$_} }, netname => $_ } } keys %$networks;
my @node_rows = map { { %{ $nodes->{$_} }, node => $_ } } sort keys %$nodes;
my $from_rows = inventory_from_tables($site, \@network_rows, \@node_rows, $facts)->to_hash;
is_deeply([sort keys %{ $from_rows->{networks} }], [sort keys %$networks], 'network rows named by netname');
is($from_rows->{nodes}{cn2}{mac}, '42:00:0a:00:01:02', 'node rows named by node');

# the cluster through the tables path gives the same inventory as the loader
my $same = inventory_from_tables($inv->{site}, $inv->{networks}, $inv->{nodes}, $inv->{server},
    $inv->{osimages});
is($same->to_json, $object->to_json, 'tables path == loader path (byte-identical JSON)');
is(inventory_from_hash($inv)->to_json, $object->to_json, 'inventory_from_hash');
is(inventory_from_hash($object)->to_json, $object->to_json, 'inventory_from_hash copies an object');

# numbers and overloaded objects as values
{
    package Stringy;
    use overload '""' => sub { 'eth1' }, fallback => 1;
}
my $n = inventory_from_tables({ dhcplease => 3600, iface => bless({}, 'Stringy') }, {}, {}, {})->to_hash;
is($n->{site}{dhcplease}, '3600', 'number stringified');
is($n->{site}{iface}, 'eth1', 'overloaded object stringified');

# hostile strings are data
my %hostile_nodes = (
    "cn\nx" => { mac => "42:00:0a:00:01:01\0", ip => "10.0.1.1'\"", groups => 'x' x 1_000_000 },
);
my $hn = inventory_from_tables($site, $networks, \%hostile_nodes, $facts)->to_hash;
is($hn->{nodes}{"cn\nx"}{mac}, "42:00:0a:00:01:01\0", 'NUL kept');
is(length $hn->{nodes}{"cn\nx"}{groups}, 1_000_000, 'huge value kept');
my $wide = inventory_from_tables({ domain => "\x{263a}.example" }, {}, {}, {})->to_hash;
is($wide->{site}{domain}, "\xe2\x98\xba.example", 'character strings become UTF-8 bytes');

# bad shapes croak, naming the argument, table, object and attribute
my @bad = (
    [ [undef, $networks, $nodes, $facts], qr/^inventory_from_tables: argument 'site' must be a hash reference, not undef/ ],
    [ [[], $networks, $nodes, $facts], qr/site must be a hash reference .* not an array reference/ ],
    [ [$site, undef, $nodes, $facts], qr/argument 'networks' .* not undef/ ],
    [ [$site, 'x', $nodes, $facts], qr/network must be a hash reference .* or an array reference of rows, not a string/ ],
    [ [$site, $networks, undef, $facts], qr/argument 'nodes' .* not undef/ ],
    [ [$site, $networks, { cn1 => 'x' }, $facts], qr/node 'cn1' must be a hash reference of attribute => value, not a string/ ],
    [ [$site, $networks, { cn1 => { mac => [] } }, $facts], qr/node 'cn1' attribute 'mac' must be a string, not an array reference/ ],
    [ [$site, $networks, { "c\nn" => { mac => {} } }, $facts], qr/node 'c\\nn' attribute/ ],
    [ [$site, $networks, [ { mac => 'x' } ], $facts], qr/node row 0 has no 'node' naming it/ ],
    [ [$site, $networks, [ 'x' ], $facts], qr/node row 0 must be a hash reference/ ],
    [ [$site, $networks, $nodes, undef], qr/argument 'server_facts' .* not undef/ ],
    [ [$site, $networks, $nodes, { bogus => 1 }], qr/unknown server fact/ ],
    [ [$site, $networks, $nodes, $facts, 'x'], qr/osimage must be/ ],
);
for my $case (@bad) {
    eval { inventory_from_tables(@{ $case->[0] }) };
    like($@, $case->[1], "bad tables croak: $case->[1]");
}
eval { inventory_from_tables($site, $networks) };
like($@, qr/Usage/, 'too few arguments');

# a tied hash whose FETCH dies: the die propagates, nothing crashes
{
    package DyingHash;
    require Tie::Hash;
    our @ISA = ('Tie::StdHash');
    sub FETCH { die "FETCH died\n" }
}
tie my %dying, 'DyingHash';
%{ tied %dying } = (domain => 'x');
eval { inventory_from_tables(\%dying, $networks, $nodes, $facts) };
is($@, "FETCH died\n", 'die inside a tied hash propagates');
tie my %tied, 'Tie::StdHash';
%tied = (domain => 'tied.example');
is(inventory_from_tables(\%tied, {}, {}, {})->to_hash->{site}{domain}, 'tied.example', 'tied hash read');

# ---- inventory_from_hash
eval { inventory_from_hash({ bogus => {} }) };
like($@, qr/unknown inventory section 'bogus'/, 'unknown section');
eval { inventory_from_hash(undef) };
like($@, qr/argument 'inventory' must be/, 'undef');
ok(inventory_from_hash({}), 'empty inventory');

# ---- objects cannot be forged
my $forged = bless \(my $x = 12345), 'xCAT::DHCP::XS::Inventory';
eval { $forged->to_json };
like($@, qr/not an xCAT::DHCP::XS::Inventory object/, 'a hand-made object is refused');
eval { build_intent($forged) };
like($@, qr/argument 'inventory' must be/, 'forged object refused by build_intent');
eval { xCAT::DHCP::XS::Inventory::node_count(undef) };
like($@, qr/not an xCAT::DHCP::XS::Inventory object/, 'method on undef');

done_testing;
