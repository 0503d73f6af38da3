# render_isc, render_kea, parse_key_text, validate, probe_server_facts.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Test::More;
use XSTest qw(small_tables source_dir);
use xCAT::DHCP::XS qw(:all);

my ($site, $networks, $nodes, $facts) = small_tables();
my $built = build_intent(inventory_from_tables($site, $networks, $nodes, $facts), { decode_intent => 0 });
my %secrets = (omapi_secret => 'c2VjcmV0c2VjcmV0c2VjcmV0');

# ---- parse_key_text
is_deeply(parse_key_text("c2VjcmV0c2VjcmV0c2VjcmV0\n"),
    { name => '', algorithm => '', secret => 'c2VjcmV0c2VjcmV0c2VjcmV0' }, 'bare base64 line');
my $bind = parse_key_text(qq{key "xcat_key" {\n  algorithm hmac-md5;\n  secret "c2VjcmV0c2VjcmV0c2VjcmV0";\n};\n});
is($bind->{name}, 'xcat_key', 'BIND key statement: name');
is($bind->{algorithm}, 'hmac-md5', '... algorithm');
is($bind->{secret}, 'c2VjcmV0c2VjcmV0c2VjcmV0', '... secret');
eval { parse_key_text('not base64!') };
ok($@, 'bad key text croaks');
eval { parse_key_text(undef) };
like($@, qr/^parse_key_text: argument 'text' must be a string, not undef/, 'undef');
eval { parse_key_text("\0" x 1000) };
ok($@, 'NULs croak');

# ---- render_isc
my $files = render_isc($built, { server_facts => $facts }, \%secrets);
is_deeply([sort keys %$files], ['dhcpd.conf', 'hosts.omapi.json'], 'ISC files (no IPv6 subnet)');
like($files->{'dhcpd.conf'}, qr/^#xCAT generated dhcp configuration\n/, 'dhcpd.conf header');
like($files->{'dhcpd.conf'}, qr/\Q$built->{inventory_digest}\E/, 'inventory digest in the header');
like($files->{'dhcpd.conf'}, qr/c2VjcmV0c2VjcmV0c2VjcmV0/, 'the secret is placed');
is_deeply(render_isc($built, { server_facts => $facts }, \%secrets), $files, 'deterministic');

my $from_handle = render_isc($built->{handle}, { server_facts => $facts }, \%secrets);
unlike($from_handle->{'dhcpd.conf'}, qr/\Q$built->{inventory_digest}\E/, 'the bare handle has no digest');
my $digest = render_isc($built->{handle}, { server_facts => $facts }, \%secrets,
    { inventory_digest => 'abc123' });
like($digest->{'dhcpd.conf'}, qr/abc123/, 'inventory_digest option');
my $generator = render_isc($built, {}, \%secrets, { generator => 'dhcp.pm' });
like($generator->{'dhcpd.conf'}, qr/dhcp\.pm/, 'generator option');

my @findings = ('kept');
my $with_findings = render_isc($built, {}, \%secrets, { diagnostics => \@findings });
is(ref $with_findings, 'HASH', 'files returned with a diagnostics array given');
is_deeply(\@findings, ['kept'], 'the ISC renderer appends no findings');
my @list = render_isc($built, {}, \%secrets);
is(scalar @list, 1, 'one value in list context');
eval { render_isc($built, {}, \%secrets, { diagnostics => {} }) };
like($@, qr/options 'diagnostics' must be an array reference at \S+50-render/, 'diagnostics must be an array');

my $static = render_isc($built, { static_hosts => 1 }, \%secrets);
like($static->{'dhcpd.conf'}, qr/^\s*host /m, 'static_hosts writes host blocks');
unlike($files->{'dhcpd.conf'}, qr/^\s*host cn1/m, '... which OMAPI mode leaves out');
ok(render_isc($built, { dhcpd_version => '4.3.6', leases_file => '/var/lib/dhcp/dhcpd.leases',
    omapi_port => 7911, omapi_port6 => 7912, domain_search => 0 }, \%secrets), 'every ISC profile key');
ok(render_isc($built, { dhcpd_version_output => 'isc-dhcpd-4.4.3-P1' }, \%secrets), 'dhcpd_version_output');
ok(render_isc($built, undef, \%secrets), 'undef profile');

my @bad_isc = (
    [ [{ bogus => 1 }, \%secrets], qr/^profile 'bogus': unknown ISC profile key/ ],
    [ [{ dhcpd_version => 'new' }, \%secrets], qr/profile\.dhcpd_version 'new'/ ],
    [ [{ omapi_port => 70000 }, \%secrets], qr/profile\.omapi_port '70000'/ ],
    [ [{ omapi_port => [] }, \%secrets], qr/profile\.omapi_port/ ],
    [ [{ server_facts => { bogus => 1 } }, \%secrets], qr/unknown server fact/ ],
    [ [[], \%secrets], qr/^render_isc: argument 'profile' must be a hash reference, not an array reference/ ],
    [ [{}, {}], qr/secret/ ],
    [ [{}, { omapi_secret => 'not base64!' }], qr/base64|secret/ ],
    [ [{}, { bogus => 1 }], qr/unknown secret/ ],
    [ [{}, 'secret'], qr/argument 'secrets' must be a hash reference/ ],
    [ [{}, \%secrets, { bogus => 1 }], qr/unknown render option/ ],
);
for my $case (@bad_isc) {
    eval { render_isc($built, @{ $case->[0] }) };
    like($@, $case->[1], "render_isc croaks: $case->[1]");
    like($@, qr/at \S+50-render\.t line \d+/, '... at the caller');
}
eval { render_isc(undef) };
like($@, qr/argument 'intent' must be the hash build_intent returns/, 'undef intent');
eval { render_isc({ handle => 'x' }) };
like($@, qr/argument 'intent' must be/, 'bad handle');
eval { render_isc() };
like($@, qr/Usage/, 'no argument');
eval { render_isc($built, {}, { omapi_secret => "c2VjcmV0\n\0\"" }) };
ok($@, 'hostile secret refused');

# ---- render_kea
{
    my $kea = render_kea($built, { version => '2.6.1' }, \%secrets);
    ok(exists $kea->{'kea-dhcp4.conf'}, 'kea-dhcp4.conf rendered');
    like($kea->{'kea-dhcp4.conf'}, qr/"Dhcp4"/, 'a Dhcp4 document');
    is_deeply(render_kea($built, { version => '2.6.1' }, \%secrets), $kea, 'deterministic');
    my @kdiag;
    ok(render_kea($built, { version => '2.2.0' }, \%secrets, { diagnostics => \@kdiag }), 'findings array');
    ok(!grep({ ref $_ ne 'HASH' || !exists $_->{severity} } @kdiag), 'findings are diagnostic hashes');
    ok(render_kea($built, { version_output => "2.2.0\n" }, \%secrets), 'version_output');
    is_deeply(render_kea($built, { server_facts => $facts }, \%secrets),
        render_kea($built, { version => '2.2.0' }, \%secrets),
        'server_facts: the installed Kea (2.2.0; no hooks listed: the stock ones)');
    ok(render_kea($built, { version => '3.0.1', hooks => ['libdhcp_lease_cmds.so'],
        control_agent => 1, daemon_http => 1, conf_dir => '/etc/kea', lease_dir => '/var/lib/kea',
        socket_dir => '/run/kea', log_dir => '', hooks_dir => '/usr/lib/kea/hooks',
        http => { address => '::1', port => 8000, dhcp4_port => 8004, dhcp6_port => 8006,
                  ddns_port => 8053, user => 'kea', password_file => '/etc/kea/pw' },
        tsig_secret_file => 'xcat.tsig' }, \%secrets, { dhcp6 => 0, ddns => 1 }),
        'every Kea profile key');
    my @bad_kea = (
        [ [{}, \%secrets], qr/needs one of version/ ],
        [ [{ version => 'x' }, \%secrets], qr/profile\.version 'x'/ ],
        [ [{ version => '2.6.1', version_output => '2.6.1' }, \%secrets], qr/give only one of/ ],
        [ [{ version => '2.6.1', server_facts => $facts }, \%secrets], qr/give only one of/ ],
        [ [{ server_facts => { hostname => 'x' } }, \%secrets], qr/kea|Kea/ ],
        [ [{ version => '2.6.1', bogus => 1 }, \%secrets], qr/unknown Kea profile key/ ],
        [ [{ version => '2.6.1', hooks => 'libdhcp_ha.so' }, \%secrets], qr/profile\.hooks.*must be a list/ ],
        [ [{ version => '2.6.1', hooks => [undef] }, \%secrets], qr/hooks'\[0\] must be a string, not undef/ ],
        [ [{ version => '2.6.1', http => { port => 'x' } }, \%secrets], qr/profile\.http\.port 'x'/ ],
        [ [{ version => '2.6.1', http => { bogus => 1 } }, \%secrets], qr/unknown http setting/ ],
        [ [{ version => '2.6.1', http => 'x' }, \%secrets], qr/must be a hash/ ],
        [ [{ version => '2.6.1' }, \%secrets, { bogus => 1 }], qr/unknown render option/ ],
    );
    for my $case (@bad_kea) {
        eval { render_kea($built, @{ $case->[0] }) };
        like($@, $case->[1], "render_kea croaks: $case->[1]");
    }
}

# ---- validate
eval { validate(undef, '/tmp') };
like($@, qr/^validate: argument 'backend' must be a string, not undef/, 'undef backend');
eval { validate('isc', undef) };
like($@, qr/^validate: argument 'dir' must be a string, not undef/, 'undef dir');
eval { validate('dnsmasq', '/tmp') };
like($@, qr/dnsmasq/, 'unknown backend croaks with the library message');
eval { validate('isc', "/tmp\0/etc") };
like($@, qr/NUL byte/, 'NUL in dir refused');
eval { validate('isc', '/tmp', { bogus => 1 }) };
like($@, qr/unknown validate option/, 'unknown option');
eval { validate('isc', '/tmp', { timeout_seconds => 'x' }) };
like($@, qr/options\.timeout_seconds 'x'/, 'bad timeout');
eval { validate('isc') };
like($@, qr/Usage/, 'too few arguments');

SKIP: {
    skip 'dhcpd is not installed', 4 unless grep { -x "$_/dhcpd" } split(/:/, $ENV{PATH}), '/usr/sbin';
    my $dir = tempdir(CLEANUP => 1);
    for my $name (keys %$files) {
        open my $fh, '>:raw', "$dir/$name" or die "$dir/$name: $!";
        print $fh $files->{$name};
        close $fh;
    }
    my $report = validate('isc', $dir, { timeout_seconds => 60 });
    is_deeply([sort keys %$report], [qw(files notes ok)], 'report keys');
    ok($report->{ok}, 'dhcpd accepts the rendered dhcpd.conf')
      or diag explain $report;
    my ($conf) = grep { $_->{file} =~ /dhcpd\.conf$/ } @{ $report->{files} };
    is_deeply([sort keys %$conf], [qw(command exit_code file ok output)], 'verdict keys');
    is($conf->{command}[0] =~ /dhcpd$/ ? 1 : 0, 1, 'the validator command');
}

# ---- probe_server_facts
{
    my $probed = probe_server_facts({ query_versions => 0 });
    ok(length $probed->{hostname}, "probe: hostname $probed->{hostname}");
    is(ref $probed->{interfaces}, 'ARRAY', 'probe: interfaces');
    my $root = tempdir(CLEANUP => 1);
    mkdir "$root/etc";
    open my $fh, '>', "$root/etc/os-release" or die;
    print $fh qq{ID=rocky\nVERSION_ID="10.0"\nID_LIKE="rhel centos fedora"\n};
    close $fh;
    is(probe_server_facts({ root => $root, query_versions => 0 })->{platform}{id}, 'rocky',
        'probe below a root');
    eval { probe_server_facts({ bogus => 1 }) };
    like($@, qr/unknown probe option/, 'unknown probe option');
    eval { probe_server_facts({ root => "/\0x" }) };
    like($@, qr/NUL/, 'NUL in root refused');
}

done_testing;
