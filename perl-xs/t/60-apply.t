# apply() into a private root with services => 'none': validate with the backend's own
# validator, back up, write atomically with the expected mode; unchanged the second time; an
# invalid configuration dies and leaves the previous files in place. Argument errors die naming
# the argument. Needs kea-dhcp4 (the validator) but no root and no running server.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Test::More;
use XSTest qw(small_tables);
use xCAT::DHCP::XS qw(:all);

my ($kea_version) = (`kea-dhcp4 -V 2>/dev/null` // '') =~ /^(\d+\.\d+\.\d+)/;
plan skip_all => 'kea-dhcp4 is not installed (apply validates with it)' unless $kea_version;

my ($site, $networks, $nodes, $facts) = small_tables();
my %secrets = (omapi_secret => 'c2VjcmV0c2VjcmV0c2VjcmV0');
my $root = tempdir("/tmp/xs-apply.XXXXXX", CLEANUP => 1);
my $inventory = inventory_from_tables($site, $networks, $nodes, { %$facts, backends => { kea => $kea_version } });
my $built = build_intent($inventory);
my $files = render_kea($built, { version => $kea_version }, \%secrets, { ddns => 0 });

sub slurp { my ($path) = @_; open my $fh, '<', $path or return undef; local $/; return <$fh> }

my $result = apply({ files => $files, backend => 'kea', root => $root, services => 'none' });
is($result->{changed}, 1, 'first apply: changed');
is($result->{services_mode}, 'none', 'services_mode none');
is_deeply($result->{services}, [], 'no services reloaded');
my $conf = "$root/etc/kea/kea-dhcp4.conf";
ok((grep { $_ eq $conf } @{ $result->{written} }), 'kea-dhcp4.conf written under root');
is(slurp($conf), $files->{'kea-dhcp4.conf'}, 'the file holds the rendered content');
is(sprintf('%04o', (stat $conf)[2] & 07777), '0640', 'mode 0640');
ok((grep { /^validated/ } @{ $result->{steps} }), 'steps say it was validated: ' . join(' | ', @{ $result->{steps} }));

my $again = apply({ files => $files, backend => 'kea', root => $root, services => 'none' });
is($again->{changed}, 0, 'second apply: unchanged');
is($again->{backup}, '', 'nothing backed up when unchanged');

# A change: backed up into the backup directory given.
my %changed = %$files;
$changed{'kea-dhcp4.conf'} =~ s/"valid-lifetime": \d+/"valid-lifetime": 7200/;
my $backups = "$root/backups";
my $third = apply({ files => \%changed, backend => 'kea', root => $root, services => 'none',
                    backup_dir => $backups, keep_backups => 2 });
is($third->{changed}, 1, 'a changed file is applied');
like($third->{backup}, qr/^\Q$backups\E\//, "backed up under backup_dir ($third->{backup})");
is(slurp("$third->{backup}/kea-dhcp4.conf") // slurp(glob("$third->{backup}/*kea-dhcp4.conf")),
    $files->{'kea-dhcp4.conf'}, 'the backup holds the previous content');

# Invalid: refused by kea-dhcp4 -t, nothing changes.
my %broken = %changed;
$broken{'kea-dhcp4.conf'} =~ s/"subnet4"/"subnet4-typo"/;
eval { apply({ files => \%broken, backend => 'kea', root => $root, services => 'none' }) };
like($@, qr/kea-dhcp4/, 'an invalid config dies, naming the validator');
like($@, qr/at \S*60-apply\.t line/, 'the error points at the caller');
is(slurp($conf), $changed{'kea-dhcp4.conf'}, 'the previous file is still in place');

# From an inventory: rendered with the profile, the same as render_kea.
my $from_inventory = apply({ inventory => $inventory, profile => { version => $kea_version },
                             secrets => \%secrets, root => "$root/second", services => 'none' });
is($from_inventory->{changed}, 1, 'apply from an inventory');
is(slurp("$root/second/etc/kea/kea-dhcp4.conf"), $files->{'kea-dhcp4.conf'},
    'from an inventory: the same file as render_kea');

# Without a profile: the inventory's server facts, as `xcatdhcp apply -i` renders.
my $default = apply({ inventory => $inventory, backend => 'kea', secrets => \%secrets,
                      root => "$root/third", services => 'none' });
is(slurp("$root/third/etc/kea/kea-dhcp4.conf"),
    render_kea($built, { server_facts => $inventory->to_hash->{server} }, \%secrets)->{'kea-dhcp4.conf'},
    'from an inventory without a profile: rendered for its server facts');

# Argument errors.
eval { apply({ files => $files, backend => 'kea', root => $root, services => 'bogus' }) };
like($@, qr/services 'bogus': valid modes are auto, systemd, direct and none/, 'bad services mode');
eval { apply({ files => $files, backend => 'kea', root => $root, colour => 'red' }) };
like($@, qr/unknown argument 'colour'/, 'unknown argument');
eval { apply({ files => $files, root => $root }) };
like($@, qr/'backend' is required/, 'files without backend');
eval { apply({ files => $files, backend => 'dhcpcd', root => $root, services => 'none' }) };
like($@, qr/dhcpcd/, 'unknown backend names the value');
eval { apply({ files => $files, backend => 'kea', root => $root, services => 'none',
               validate => { chroot => '/nonexistent', bogus => 1 } }) };
like($@, qr/unknown validate option/, 'unknown validate option');
eval { apply(files => $files) };
like($@, qr/Usage: .*apply/, 'not a hash of arguments: usage');
eval { apply({ files => 'text', backend => 'kea' }) };
like($@, qr/'files' must be a hash reference/, 'files must be a hash');

done_testing;
