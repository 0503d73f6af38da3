package XSTest;
# Shared data for the xCAT::DHCP::XS tests: a small cluster as dhcp.pm would hold it.
use strict;
use warnings;
use Exporter 'import';
use File::Basename qw(dirname);
use File::Spec;
use JSON::PP ();
use Test::More ();
use Time::HiRes ();

our @EXPORT_OK = qw(small_tables source_dir rss_kb which live_requirements veth_namespace enter_namespace
                    probe_address rss_stays_flat stop_pid_files);

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

# The path of a program in PATH or the sbin/bin directories, or undef.
sub which {
    my ($program) = @_;
    for my $dir (split(/:/, $ENV{PATH} // ''), qw(/usr/sbin /sbin /usr/bin /bin)) {
        return "$dir/$program" if -x "$dir/$program";
    }
    return undef;
}

# The live tests' gate: XCATDHCP_XS_LIVE=0 skips; with what is missing (a list of reasons),
# XCATDHCP_XS_LIVE=1 (CI) fails and anything else skips, naming it. Returns when all is there.
sub live_requirements {
    my ($what, @missing) = @_;
    Test::More::plan(skip_all => 'XCATDHCP_XS_LIVE=0') if ($ENV{XCATDHCP_XS_LIVE} // '') eq '0';
    return unless @missing;
    my $why = "$what needs " . join(', ', @missing);
    if (($ENV{XCATDHCP_XS_LIVE} // '') eq '1') {
        Test::More::plan(tests => 1);
        Test::More::fail("XCATDHCP_XS_LIVE=1 but $why");
        exit 0;
    }
    Test::More::plan(skip_all => $why);
}

# A network namespace with lo up and a veth pair rsrv0 (the server, NET.1/24) <-> rcli0 (the
# probe), IPv6 off. True when every step worked (each failure is reported with diag).
sub veth_namespace {
    my ($ns, $net) = @_;
    for my $cmd ("ip netns add $ns",
                 "ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1",
                 "ip -n $ns link set lo up", "ip -n $ns link add rsrv0 type veth peer name rcli0",
                 "ip -n $ns addr add $net.1/24 dev rsrv0", "ip -n $ns link set rsrv0 up",
                 "ip -n $ns link set rcli0 up") {
        my $out = `$cmd 2>&1`;
        if ($?) { Test::More::diag("$cmd: $out"); return 0 }
    }
    return 1;
}

# This process enters the namespace (setns(2), CLONE_NEWNET; x86_64 syscall number), so the
# clients of the bound calls reach servers listening there.
sub enter_namespace {
    my ($ns) = @_;
    open my $fh, '<', "/run/netns/$ns" or die "cannot open /run/netns/$ns: $!\n";
    syscall(308, fileno($fh), 0x40000000) == 0 or die "setns $ns: $!\n";
    close $fh;
}

# The address a DHCP exchange (`xcatdhcp probe`, UEFI x64, DORA on rcli0) gets for MAC: the
# ACK's, else the OFFER's; '' when nobody answered. NS: run it there ('' = here).
sub probe_address {
    my ($cli, $mac, $ns) = @_;
    my $prefix = $ns ? "ip netns exec $ns " : '';
    my $out = `timeout 30 $prefix$cli probe -I rcli0 --mac $mac --arch 7 --request --timeout 4 --json 2>/dev/null`;
    my $reply = eval { JSON::PP->new->decode($out) } // {};
    my $packet = $reply->{ack} // $reply->{offer} // {};
    return $packet->{yiaddr} // '';
}

# Stops the processes whose PIDs the files hold: TERM, up to 5 s, then KILL.
sub stop_pid_files {
    for my $file (@_) {
        open my $fh, '<', $file or next;
        my ($pid) = (<$fh> // '') =~ /(\d+)/;
        next unless $pid;
        kill 'TERM', $pid;
        for (1 .. 50) { last unless kill 0, $pid; Time::HiRes::sleep(0.1) }
        kill 'KILL', $pid if kill 0, $pid;
    }
}

# Runs STEP 30 times, then COUNT times, and checks that RSS grew by less than 2 MB.
sub rss_stays_flat {
    my ($label, $count, $step) = @_;
    return unless defined rss_kb();
    $step->() for 1 .. 30;
    my $before = rss_kb();
    my $t0 = Time::HiRes::time();
    $step->() for 1 .. $count;
    my $growth = rss_kb() - $before;
    Test::More::diag(sprintf('%s: %d iterations in %.1f s, RSS %+d kB', $label, $count, Time::HiRes::time() - $t0, $growth));
    Test::More::cmp_ok($growth, '<', 2048, "$label: RSS growth under 2048 kB");
}

1;
