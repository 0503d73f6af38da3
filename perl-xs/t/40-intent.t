# build_intent: result shape, options, diagnostics, errors, hostile node data.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use XSTest qw(small_tables source_dir);
use xCAT::DHCP::XS qw(build_intent inventory_from_tables load_inventory);

my ($site, $networks, $nodes, $facts) = small_tables();
my $inventory = inventory_from_tables($site, $networks, $nodes, $facts);

my $built = build_intent($inventory);
is_deeply([sort keys %$built],
    [qw(diagnostics handle has_errors intent intent_json inventory_digest)], 'result keys');
like($built->{intent_json}, qr/"schema": "xcatdhcp-intent\/1"/, 'intent JSON');
is($built->{intent}{schema}, 'xcatdhcp-intent/1', 'intent decoded');
is($built->{intent}{server}, 'xcatmn', 'server');
is(scalar @{ $built->{intent}{subnets} }, 1, 'one subnet');
is(scalar @{ $built->{intent}{subnets}[0]{reservations} }, 3, 'three placed reservations');
is_deeply([map { $_->{nic_hostname} } @{ $built->{intent}{unplaced} }], ['cn3-b'],
    "cn3's second NIC (unresolvable name) is unplaced");
isa_ok($built->{handle}, 'xCAT::DHCP::XS::Intent');
is($built->{handle}->to_json, $built->{intent_json}, 'handle holds the same intent');
like($built->{inventory_digest}, qr/^[0-9a-f]{64}$/, 'inventory digest');
is($built->{inventory_digest}, $inventory->digest, '... of the inventory');
is($built->{has_errors}, 0, 'no errors');
is(scalar @{ $built->{diagnostics} }, 1, 'one diagnostic');
my $d = $built->{diagnostics}[0];
is_deeply([sort keys %$d], [sort qw(severity node subject attribute value message text)], 'diagnostic keys');
is($d->{severity}, 'warning', 'severity');
is($d->{node}, 'cn3', 'node');
like($d->{text}, qr/^warning: node cn3: /, 'text is one log line');

# the same result from the hash form, and determinism
my $again = build_intent($inventory->to_hash);
is($again->{intent_json}, $built->{intent_json}, 'hash form gives the same intent');
is(build_intent($inventory)->{intent_json}, $built->{intent_json}, 'same input, same bytes');

# options
my $no_decode = build_intent($inventory, { decode_intent => 0 });
ok(!exists $no_decode->{intent}, 'decode_intent => 0 skips decoding');
is($no_decode->{intent_json}, $built->{intent_json}, '... same JSON');
my $id = build_intent($inventory, { previous_subnet_ids => { '10.0.0.0/16' => 42 } });
is($id->{intent}{subnets}[0]{id}, 42, 'previous_subnet_ids kept');
my $uc = build_intent($inventory, { second_stage_user_classes => ['iPXE'] });
is_deeply($uc->{intent}{second_stage_user_classes}, ['iPXE'], 'second_stage_user_classes');
ok(build_intent($inventory, undef), 'undef options');
ok(build_intent($inventory, {}), 'empty options');

my @bad_options = (
    [ { bogus => 1 }, qr/^build_intent: unknown option 'bogus'/ ],
    [ [], qr/argument 'options' must be a hash reference, not an array reference/ ],
    [ { previous_subnet_ids => { '10.0.0.0/16' => 'x' } }, qr/previous_subnet_ids\.10\.0\.0\.0\/16 'x': must be a subnet id/ ],
    [ { previous_subnet_ids => { '10.0.0.0/16' => -1 } }, qr/must be a subnet id/ ],
    [ { previous_subnet_ids => { '10.0.0.0/16' => 4294967296 } }, qr/must be a subnet id/ ],
    [ { previous_subnet_ids => { '10.0.0.0/16' => undef } }, qr/must be a subnet id, not undef/ ],
    [ { previous_subnet_ids => [] }, qr/previous_subnet_ids' must be a hash reference/ ],
    [ { second_stage_user_classes => 'xNBA' }, qr/must be an array reference/ ],
    [ { second_stage_user_classes => [undef] }, qr/second_stage_user_classes\[0\] must be a string, not undef/ ],
);
for my $case (@bad_options) {
    eval { build_intent($inventory, $case->[0]) };
    like($@, $case->[1], "bad options croak: $case->[1]");
    like($@, qr/at \S+40-intent\.t line \d+/, '... located at the caller');
}

# bad inventories
eval { build_intent(undef) };
like($@, qr/^build_intent: argument 'inventory' must be .* not undef/, 'undef inventory');
eval { build_intent('cluster.yaml') };
like($@, qr/argument 'inventory' must be .* not a string/, 'a path is not an inventory');
eval { build_intent({}) };
like($@, qr/dhcpinterfaces|interface/, 'nothing to serve croaks with the library message');
eval { build_intent() };
like($@, qr/Usage/, 'no argument');

# per-node problems are diagnostics, not errors
my %bad_nodes = (
    %$nodes,
    bad1 => { mac => 'zz:zz', ip => '10.0.1.9' },
    bad2 => { mac => '42:00:0a:00:01:0a', ip => '300.1.1.1' },
    "evil\nnode" => { mac => "42:00:0a:00:01:0b\n", ip => "10.0.1.11'; drop" },
    "nul\0node" => { mac => "42:00:0a:00:01:0c\0", ip => '10.0.1.12' },
    latin => { mac => '42:00:0a:00:01:0d', ip => '10.0.1.13', comment => "caf\xe9 \xff\xfe" },
    huge => { mac => '42:00:0a:00:01:0e|' x 20_000, ip => '10.0.1.14' },
);
my $mixed = build_intent(inventory_from_tables($site, $networks, \%bad_nodes, $facts));
ok(scalar @{ $mixed->{diagnostics} } > 1, 'bad nodes give diagnostics: ' . scalar @{ $mixed->{diagnostics} });
is($mixed->{has_errors}, 1, 'has_errors');
my %by_node = map { $_->{node} => 1 } @{ $mixed->{diagnostics} };
ok($by_node{bad1}, 'bad MAC reported for its node');
ok(!grep({ /\n/ } map { $_->{text} } @{ $mixed->{diagnostics} }), 'no diagnostic text spans lines (hostile node names are escaped)');
my ($evil) = grep { $_->{node} eq "evil\nnode" } @{ $mixed->{diagnostics} };
is($evil->{value}, "evil\nnode", 'the raw node name is in the value field');
like($evil->{message}, qr/not a valid host name/, 'hostile node name is a diagnostic');
my %reserved = map { $_->{node} => 1 } map { @{ $_->{reservations} } } @{ $mixed->{intent}{subnets} };
ok($reserved{cn1} && $reserved{cn2}, 'good nodes still built');

# the example cluster
my $cluster = build_intent(load_inventory(source_dir() . '/examples/inventories/cluster', { object => 1 }));
ok(scalar @{ $cluster->{intent}{subnets} } >= 4, 'example cluster subnets: ' . scalar @{ $cluster->{intent}{subnets} });

# forged intent handles are refused by the object methods
eval { xCAT::DHCP::XS::Intent::to_json(bless {}, 'xCAT::DHCP::XS::Intent') };
like($@, qr/not an xCAT::DHCP::XS::Intent object/, 'forged intent refused');

done_testing;
