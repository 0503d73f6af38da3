# A short run of every binding, good and bad input, for valgrind (tests/integration/perl_xs.sh):
#   PERL_DESTRUCT_LEVEL=2 valgrind --leak-check=full --error-exitcode=1 perl -Mblib THIS [SOURCE_DIR]
# Not a .t file: `make test` does not run it.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use XSTest qw(small_tables source_dir);
use xCAT::DHCP::XS qw(:all);

my $source = shift // source_dir();
my ($site, $networks, $nodes, $facts) = small_tables();
my %secrets = (omapi_secret => 'c2VjcmV0c2VjcmV0c2VjcmV0');

for (1 .. 3) {
    parse_mac('42:00:0A:00:01:01');
    eval { parse_mac("zz\0\n") };
    eval { parse_mac(undef) };
    parse_mac_list('42:00:0a:00:01:01|zz|42:00:0a:00:01:02!*NOIP*');
    parse_dynamic_ranges('10.0.0.1-10.0.0.9;172.20.192.0/18');
    eval { parse_dynamic_ranges('x') };
    select_backend($site, $facts);
    eval { select_backend('isc', { backends => { kea => '2.2.0' } }) };
    my %cycle;
    $cycle{self} = [\%cycle];
    eval { parse_server_facts(\%cycle) };
    delete $cycle{self};
    parse_key_text("c2VjcmV0c2VjcmV0c2VjcmV0\n");

    my $inventory = inventory_from_tables($site, $networks, $nodes, $facts);
    eval { inventory_from_tables($site, $networks, { cn1 => { mac => [] } }, $facts) };
    my $built = build_intent($inventory);
    eval { build_intent($inventory, { bogus => 1 }) };
    eval { build_intent({}) };
    render_isc($built, { server_facts => $facts }, \%secrets);
    eval { render_isc($built, {}, {}) };
    render_kea($built, { version => '2.6.1' }, \%secrets, { diagnostics => [] });
    eval { render_kea($built, {}, \%secrets) };
    my $h = $inventory->to_hash;
    inventory_from_hash($h)->to_json;
}
my $cluster = load_inventory("$source/examples/inventories/cluster", { object => 1 });
my $built = build_intent($cluster, { decode_intent => 0 });
render_isc($built, { server_facts => $cluster->to_hash->{server} }, \%secrets);
eval { load_inventory('/nonexistent') };

# The live calls' argument and error paths (no server: the socket does not exist).
for (1 .. 2) {
    my %missing = (socket => '/nonexistent/xs-smoke.sock');
    eval { kea_leases(\%missing, { mac => '42:00:0a:00:01:01' }) };
    eval { kea_stats(\%missing, 'pkt4-received') };
    eval { kea_command(\%missing, 'status-get', { a => [1, { b => undef }] }) };
    eval { kea_command({ url => 'http://fd00::1:8004/' }, 'status-get') };
    eval { kea_leases({ socket => 'a', url => 'b' }) };
    eval { kea_reservations_query({ endpoint => \%missing, inventory => $cluster, nodes => ['cn1', 'ghost'] }) };
    eval { kea_reservations_add({ endpoint => \%missing, inventory => $cluster, nodes => ['cn1'],
                                  config => '/nonexistent/kea-dhcp4.conf', profile => { version => '2.2.0' } }) };
    eval { apply({ files => { 'kea-dhcp4.conf' => '{' }, backend => 'kea', root => '/nonexistent', services => 'bogus' }) };
    eval { omapi_lookup({ server => '127.0.0.1', port => 1, timeout_ms => 200 }, ['cn1', { mac => '42:00:0a:00:01:01' }]) };
    eval { omapi_add({ server => '127.0.0.1', port => 1, timeout_ms => 200, secret => $secrets{omapi_secret} }, $cluster, ['nosuchnode']) };
}
print "smoke ok\n";
