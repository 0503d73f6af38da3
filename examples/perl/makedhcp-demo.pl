#!/usr/bin/perl
# makedhcp-demo.pl: renders DHCP configuration the way xCAT's dhcp.pm would, through
# xCAT::DHCP::XS: table rows as Perl data -> select backend -> intent -> render -> validate.
#
#   perl -Mblib examples/perl/makedhcp-demo.pl --out DIR [--backend isc|kea]
#        [--kea-version X.Y.Z] [--tables DIR] [--key-file FILE] [--static-hosts] [--validate]
#
# --tables DIR holds xCAT stanza files (lsdef -z output: site, networks, nodes, osimages) and
# server.yaml with the facts about the DHCP server; default: the example cluster
# (examples/inventories/cluster). Without --backend, site.dhcpbackend and the server facts
# decide (select_backend); without --kea-version, the Kea the facts say is installed.
# --key-file holds the OMAPI/TSIG key as /etc/xcat/ddns.key does (a BIND key statement or a
# bare base64 line); without it a fixed demo key is used. The files are written into --out;
# the diagnostics are printed.
# Exit status: 0 when files were written (diagnostics may still report bad nodes), 1 on an
# error, 2 on a usage error.
use strict;
use warnings;
use FindBin;
use File::Path qw(make_path);
use Getopt::Long qw(GetOptions);

use xCAT::DHCP::XS qw(:all);

my %opt = (tables => "$FindBin::Bin/../inventories/cluster");
GetOptions(\%opt, 'out=s', 'backend=s', 'kea-version=s', 'tables=s', 'key-file=s',
    'static-hosts', 'validate', 'help')
  or usage(2);
usage(0) if $opt{help};
usage(2) unless $opt{out};

sub usage {
    my ($status) = @_;
    my $fh = $status ? \*STDERR : \*STDOUT;
    print $fh "usage: $0 --out DIR [--backend isc|kea] [--kea-version X.Y.Z] [--tables DIR]\n"
      . "       [--key-file FILE] [--static-hosts] [--validate]\n";
    exit $status;
}

# ---- the table data, as dhcp.pm has it: attribute-name keyed hashes of strings ----
# (dhcp.pm reads these from the site, networks, mac, noderes... tables; here they come from
# `lsdef -z` stanza files, a few lines of Perl)
sub read_stanzas {
    my ($file, $objects) = @_;
    open my $fh, '<', $file or die "cannot open $file: $!\n";
    my $name;
    while (my $line = <$fh>) {
        $line =~ s/\r?\n\z//;
        next if $line =~ /^\s*(#|$)/;
        if ($line =~ /^(\S.*):\z/) {
            $name = $1;
            next;
        }
        my ($key, $value) = $line =~ /^\s+([^=]+?)[ \t]*=(.*)\z/
          or die "$file line $.: expected attribute=value\n";
        die "$file line $.: attribute before any object\n" unless defined $name;
        $objects->{$name}{$key} = $value;
    }
    close $fh;
}

my %objects;
read_stanzas($_, \%objects) for sort glob("$opt{tables}/*.stanza");
my (%site, %networks, %nodes, %osimages);
for my $name (sort keys %objects) {
    my $attributes = $objects{$name};
    my $type = delete $attributes->{objtype} // '';
    $type =~ s/^\s+|\s+$//g;
    if    ($type eq 'site')    { %site = (%site, %$attributes) }
    elsif ($type eq 'network') { $networks{$name} = $attributes }
    elsif ($type eq 'node')    { $nodes{$name} = $attributes }
    elsif ($type eq 'osimage') { $osimages{$name} = $attributes }
    else { die "object $name: unsupported objtype '$type'\n" }
}

# Facts about this DHCP server that the tables do not hold (dhcp.pm would probe them).
sub slurp {
    my ($file) = @_;
    open my $fh, '<:raw', $file or die "cannot open $file: $!\n";
    local $/;
    return scalar <$fh>;
}
my $facts_text = slurp("$opt{tables}/server.yaml");

my $status = eval {
    my $facts = parse_server_facts($facts_text);

    # 1. select: which server renders and runs
    my $choice = select_backend(\%site, $facts);
    my $backend = $opt{backend} // $choice->{backend};
    die "--backend must be isc or kea\n" unless $backend =~ /^(isc|kea)\z/;
    printf "backend: %s (%s)%s\n", $choice->{backend}, $choice->{reason},
      $backend ne $choice->{backend} ? "; rendering $backend as asked" : '';

    # 2. intent: what the server must do, with findings per node and network
    my $inventory = inventory_from_tables(\%site, \%networks, \%nodes, $facts, \%osimages);
    my $built = build_intent($inventory, {decode_intent => 0});
    print "$_->{text}\n" for @{ $built->{diagnostics} };
    printf "diagnostics: %d (%d errors)\n", scalar @{ $built->{diagnostics} },
      scalar grep { $_->{severity} eq 'error' } @{ $built->{diagnostics} };

    # 3. render: files as data. The key: dhcp.pm reads /etc/xcat/ddns.key or the passwd table.
    my $key = defined $opt{'key-file'}
      ? parse_key_text(slurp($opt{'key-file'}))
      : { secret => 'eGNhdC1kZW1vLW9tYXBpLWtleQ==' };    # a fixed demo key
    my %secrets = (omapi_secret => $key->{secret});
    my $files;
    if ($backend eq 'kea') {
        # the target Kea: the version asked for, else the one installed on the server
        my %profile = defined $opt{'kea-version'}
          ? (version => $opt{'kea-version'})
          : (server_facts => $facts);
        my @findings;
        $files = render_kea($built, \%profile, \%secrets, { diagnostics => \@findings });
        print "$_->{text}\n" for @findings;
    }
    else {
        my %profile = (server_facts => $facts);
        $profile{static_hosts} = 1 if $opt{'static-hosts'};
        $files = render_isc($built, \%profile, \%secrets);
    }

    # 4. write (dhcp.pm: back up, write atomically with the right owner and mode)
    make_path($opt{out});
    for my $name (sort keys %$files) {
        my $path = "$opt{out}/$name";
        open my $fh, '>:raw', $path or die "cannot write $path: $!\n";
        print $fh $files->{$name};
        close $fh or die "cannot write $path: $!\n";
        printf "wrote %s (%d bytes)\n", $path, length $files->{$name};
    }

    # 5. validate with the server's own checker, when asked and available
    if ($opt{validate}) {
        {
            my $report = validate($backend, $opt{out});
            for my $file (@{ $report->{files} }) {
                printf "validate %s: %s\n", $file->{file}, $file->{ok} ? 'ok' : 'FAILED';
                print $file->{output} unless $file->{ok};
            }
            print "note: $_\n" for @{ $report->{notes} };
            die "validation failed\n" unless $report->{ok};
        }
    }
    0;
};
if (!defined $status) {
    print STDERR "makedhcp-demo: $@";
    exit 1;
}
exit $status;
