use strict;
use warnings;
use Test::More;

BEGIN { use_ok('xCAT::DHCP::XS', ':all') }

my @functions = qw(version select_backend parse_mac parse_mac_list parse_dynamic_ranges
  parse_server_facts probe_server_facts load_inventory inventory_from_tables inventory_from_hash
  build_intent parse_key_text render_isc render_kea validate
  apply kea_command kea_leases kea_stats kea_reservations_add kea_reservations_del
  kea_reservations_query omapi_add omapi_del omapi_lookup
  isc_reservations_add isc_reservations_del isc_reservations_query);
can_ok('xCAT::DHCP::XS', @functions);
is_deeply([sort @xCAT::DHCP::XS::EXPORT_OK], [sort @functions], 'EXPORT_OK lists the API');
ok(!defined &main::parse_mac_xyz, 'nothing unexpected imported');

like(version(), qr/^\d+\.\d+\.\d+/, 'version() is the library version: ' . version());
ok(defined $xCAT::DHCP::XS::VERSION, 'module version set');
for my $name (qw(render_isc render_kea validate probe_server_facts apply kea_command kea_leases
                 kea_stats kea_reservations_add omapi_add omapi_lookup)) {
    ok(defined &{"xCAT::DHCP::XS::$name"}, "$name is bound");
}

# Nothing is exported by default.
{
    package Empty;
    require xCAT::DHCP::XS;
    xCAT::DHCP::XS->import;
    ::ok(!defined &Empty::parse_mac, 'no default exports');
}

# Calling with the wrong number of arguments is a Perl error, not a crash.
eval { xCAT::DHCP::XS::parse_mac() };
like($@, qr/Usage: xCAT::DHCP::XS::parse_mac/, 'usage error on missing argument');
eval { xCAT::DHCP::XS::parse_mac(1, 2) };
like($@, qr/Usage/, 'usage error on extra argument');
eval { xCAT::DHCP::XS::version(1) };
like($@, qr/Usage/, 'version takes no argument');

done_testing;
