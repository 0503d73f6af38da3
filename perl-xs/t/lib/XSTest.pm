package XSTest;
# Shared data for the xCAT::DHCP::XS tests: a small cluster as dhcp.pm would hold it.
use strict;
use warnings;
use Exporter 'import';
use File::Basename qw(dirname);
use File::Spec;

our @EXPORT_OK = qw(small_tables source_dir rss_kb);

# The repository top (perl-xs/t/lib/ is three levels down).
sub source_dir {
    return File::Spec->rel2abs(dirname(__FILE__) . '/../../..');
}

# (\%site, \%networks, \%nodes, \%server_facts, \%osimages)
sub small_tables {
    my %site = (
        domain         => 'cluster.example',
        dhcpinterfaces => 'eth1',
        master         => '10.0.0.1',
        nameservers    => '10.0.0.1',
        dhcpbackend    => 'auto',
        timezone       => 'Europe/Berlin',
        dnshandler     => undef,    # absent
    );
    my %networks = (
        '10_0_0_0-255_255_0_0' => {
            net          => '10.0.0.0',
            mask         => '255.255.0.0',
            mgtifname    => 'eth1',
            gateway      => '10.0.0.1',
            dynamicrange => '10.0.200.1-10.0.200.254',
            tftpserver   => '<xcatmaster>',
        },
    );
    my %nodes = (
        cn1 => { mac => '42:00:0a:00:01:01', ip => '10.0.1.1', netboot => 'xnba', arch => 'x86_64' },
        cn2 => { mac => '42:00:0a:00:01:02', ip => '10.0.1.2', netboot => 'grub2', arch => 'x86_64' },
        cn3 => { mac => '42:00:0a:00:01:03|42:00:0a:00:01:04!cn3-b', ip => '10.0.1.3',
                 netboot => 'xnba', arch => 'x86_64', comment => undef },
    );
    my %facts = (
        hostname   => 'xcatmn',
        names      => ['xcatmn', 'xcatmn.cluster.example'],
        platform   => { id => 'debian', version => '12' },
        interfaces => [ { name => 'eth1', addresses => ['10.0.0.1/16'] } ],
        hosts      => { cn1 => ['10.0.1.1'], cn2 => ['10.0.1.2'], cn3 => ['10.0.1.3'],
                        xcatmn => ['10.0.0.1'] },
        backends   => { isc => '4.4.3', kea => '2.2.0' },
        tftp_files => ['xcat/xnba.kpxe', 'xcat/xnba.efi'],
        ip_forward => 1,
    );
    my %osimages = ();
    return (\%site, \%networks, \%nodes, \%facts, \%osimages);
}

# Resident set size of this process in kB.
sub rss_kb {
    open my $fh, '<', '/proc/self/status' or return undef;
    while (<$fh>) { return $1 if /^VmRSS:\s+(\d+)\s+kB/ }
    return undef;
}

1;
