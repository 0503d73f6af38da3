# Memory: the main functions, called 100,000 times (a few thousand for the heavy ones), must not
# grow the resident set size beyond a small bound after warm-up. Error paths included: a leak
# usually hides where an exception is thrown.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time);
use XSTest qw(small_tables rss_kb);
use xCAT::DHCP::XS qw(:all);

plan skip_all => 'no /proc/self/status' unless defined rss_kb();

my $iterations = $ENV{XCATDHCP_XS_MEMORY_ITERATIONS} || 100_000;
my $heavy      = $ENV{XCATDHCP_XS_MEMORY_HEAVY}      || 3_000;
my $bound_kb   = 2_048;    # 2 MB: a leak of 24 bytes per call shows at 100,000 calls

my ($site, $networks, $nodes, $facts) = small_tables();
my %secrets = (omapi_secret => 'c2VjcmV0c2VjcmV0c2VjcmV0');
my %rocky = (platform => { id => 'rocky', version => '10.0' }, backends => { kea => '2.6.1' });

{
    package DyingHash;
    require Tie::Hash;
    our @ISA = ('Tie::StdHash');
    sub FETCH { die "FETCH died\n" }
}
tie my %dying, 'DyingHash';
%{ tied %dying } = (domain => 'x');

# Each step: one call of each cheap function, good and bad input.
sub cheap {
    my $mac = parse_mac('42:00:0A:00:01:01');
    eval { parse_mac("zz:zz\n\0") };
    eval { parse_mac(undef) };
    my $list = parse_mac_list('42:00:0a:00:01:01|zz|42:00:0a:00:01:02!cn1-ib');
    my $ranges = parse_dynamic_ranges('10.0.200.1-10.0.254.254;172.20.192.0/18');
    eval { parse_dynamic_ranges('10.0.0.9-10.0.0.1') };
    my $choice = select_backend($site, $facts);
    eval { select_backend('isc', \%rocky) };
    eval { select_backend({ dhcpbackend => [] }, $facts) };
    return;
}

my $inventory = inventory_from_tables($site, $networks, $nodes, $facts);
my $have_kea = 1;  # every renderer is part of the library

sub expensive {
    my $inv = inventory_from_tables($site, $networks, $nodes, $facts);
    my $built = build_intent($inv, { decode_intent => 0 });
    my $files = render_isc($built, { server_facts => $facts }, \%secrets);
    my @findings;
    $files = render_kea($built, { version => '2.6.1' }, \%secrets, { diagnostics => \@findings })
      if $have_kea;
    eval { render_isc($built, { bogus => 1 }, \%secrets) };
    eval { build_intent($inventory, { bogus => 1 }) };
    eval { build_intent({}) };
    eval { inventory_from_tables(\%dying, $networks, $nodes, $facts) };
    eval { inventory_from_tables($site, $networks, { cn1 => { mac => [] } }, $facts) };
    my $hash = $inventory->to_hash;
    return;
}

sub measure {
    my ($name, $code, $warmup, $count) = @_;
    $code->() for 1 .. $warmup;
    my $before = rss_kb();
    my $t0 = time;
    $code->() for 1 .. $count;
    my $seconds = time - $t0;
    my $after = rss_kb();
    my $growth = $after - $before;
    my $line = sprintf('%s: %d iterations in %.1f s, RSS %d kB -> %d kB (%+d kB)',
        $name, $count, $seconds, $before, $after, $growth);
    diag($line);
    cmp_ok($growth, '<', $bound_kb, "$name: RSS growth under $bound_kb kB");
}

measure('parse_mac/parse_mac_list/parse_dynamic_ranges/select_backend', \&cheap, 2_000, $iterations);
measure('inventory_from_tables/build_intent/render' . ($have_kea ? ' (isc+kea)' : ' (isc)'),
    \&expensive, 300, $heavy);
measure('build_intent with JSON::PP decode', sub { build_intent($inventory) }, 50, 300);

# The live calls' error paths, without a server: argument checks, the endpoint, a refused
# connection, the apply setup. (70-kea-live.t measures the calls against a live Kea.)
my %missing = (socket => "/nonexistent/xs-memory-$$.sock");
sub live_errors {
    eval { kea_leases(\%missing, { mac => '42:00:0a:00:01:01' }) };
    eval { kea_command(\%missing, 'status-get', { 'ip-address' => '10.0.1.1' }) };
    eval { kea_stats({ socket => 'a', url => 'b' }) };
    eval { kea_leases({ url => 'http://fd00::1:8004/' }) };
    eval { kea_reservations_query({ endpoint => \%missing, inventory => $inventory, nodes => ['cn1'] }) };
    eval { apply({ files => { 'kea-dhcp4.conf' => '{' }, backend => 'kea', services => 'bogus' }) };
    eval { omapi_lookup({ server => '127.0.0.1', port => 1, bogus => 1 }, ['cn1']) };
    return;
}
measure('kea_*/apply/omapi error paths', \&live_errors, 300, $heavy);

done_testing;
