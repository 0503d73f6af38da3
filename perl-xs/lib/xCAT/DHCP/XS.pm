package xCAT::DHCP::XS;

use strict;
use warnings;
use 5.010;

use Carp ();
use Exporter 'import';
use JSON::PP ();
use XSLoader;

our $VERSION = '0.001';

our @EXPORT_OK = qw(
  version
  select_backend
  parse_mac parse_mac_list parse_dynamic_ranges
  parse_server_facts probe_server_facts load_inventory inventory_from_tables inventory_from_hash
  build_intent parse_key_text
  render_isc render_kea
  validate
);
our %EXPORT_TAGS = (all => \@EXPORT_OK);
our @CARP_NOT = ('xCAT::DHCP::XS::Inventory', 'xCAT::DHCP::XS::Intent');

XSLoader::load('xCAT::DHCP::XS', $VERSION);

# Byte semantics throughout: the library's JSON is decoded without ->utf8, so every string
# comes back as the same bytes the library wrote.
my $json = JSON::PP->new->allow_nonref;

# Errors raised inside this file's wrappers are re-raised at the caller's line.
my $this_file = __FILE__;
sub _rethrow {
    my ($error) = @_;
    $error =~ s/ at \Q$this_file\E line \d+\.\n\z//;
    Carp::croak($error);
}

sub parse_server_facts {
    Carp::croak('Usage: xCAT::DHCP::XS::parse_server_facts($text_or_hashref)') unless @_ == 1;
    my $text = eval { _parse_server_facts($_[0]) } // _rethrow($@);
    return $json->decode($text)->{server};
}

sub probe_server_facts {
    Carp::croak('Usage: xCAT::DHCP::XS::probe_server_facts([\%options])') unless @_ <= 1;
    my $text = eval { _probe_server_facts(@_) } // _rethrow($@);
    return $json->decode($text)->{server};
}

sub _hash_from_parts {
    my ($parts) = @_;
    my $server_json = delete $parts->{server_json};
    $parts->{server} = $json->decode($server_json)->{server};
    return $parts;
}

sub load_inventory {
    Carp::croak('Usage: xCAT::DHCP::XS::load_inventory($path [, {object => 1}])')
      unless @_ == 1 || @_ == 2;
    my ($path, $options) = @_;
    Carp::croak("load_inventory: argument 'options' must be a hash reference")
      if defined $options && ref $options ne 'HASH';
    my $as_object = $options && $options->{object} ? 1 : 0;
    my $result = eval { _load_inventory($path, $as_object) } // _rethrow($@);
    return $as_object ? $result : _hash_from_parts($result);
}

sub build_intent {
    Carp::croak('Usage: xCAT::DHCP::XS::build_intent($inventory [, \%options])')
      unless @_ == 1 || @_ == 2;
    my ($inventory, $options) = @_;
    my $result = eval { _build_intent($inventory, $options) } // _rethrow($@);
    my $decode = !(ref $options eq 'HASH' && exists $options->{decode_intent}
      && !$options->{decode_intent});
    $result->{intent} = $json->decode($result->{intent_json}) if $decode;
    return $result;
}

# The renderers take the build_intent result or its handle. Given the result, the digest of
# the inventory it was built from goes into the file headers (as `xcatdhcp render` does),
# unless the options say otherwise.
sub _render_args {
    my ($intent, $profile, $secrets, $options) = @_;
    if (ref $intent eq 'HASH' && ref $intent->{handle}) {
        if (defined $intent->{inventory_digest} && (!defined $options || ref $options eq 'HASH')) {
            $options = { inventory_digest => $intent->{inventory_digest}, %{ $options // {} } };
        }
        $intent = $intent->{handle};
    }
    return ($intent, $profile, $secrets, $options);
}

# The renderers return the files; their findings go into options->{diagnostics} (an array
# reference) when the caller gives one.
sub _call_render {
    my ($render, $intent, $profile, $secrets, $options) = @_;
    my $findings;
    if (ref $options eq 'HASH' && exists $options->{diagnostics}) {
        $findings = $options->{diagnostics};
        Carp::croak("options 'diagnostics' must be an array reference")
          unless ref $findings eq 'ARRAY';
        $options = {%$options};
        delete $options->{diagnostics};
    }
    my ($files, $diagnostics) = eval { $render->($intent, $profile, $secrets, $options) };
    _rethrow($@) unless $files;
    push @$findings, @$diagnostics if $findings;
    return $files;
}

sub render_isc {
    Carp::croak('Usage: xCAT::DHCP::XS::render_isc($intent [, \%profile [, \%secrets [, \%options]]])')
      unless @_ >= 1 && @_ <= 4;
    return _call_render(\&_render_isc, _render_args(@_));
}

sub render_kea {
    Carp::croak('Usage: xCAT::DHCP::XS::render_kea($intent [, \%profile [, \%secrets [, \%options]]])')
      unless @_ >= 1 && @_ <= 4;
    return _call_render(\&_render_kea, _render_args(@_));
}

sub validate {
    Carp::croak('Usage: xCAT::DHCP::XS::validate($backend, $dir [, \%options])')
      unless @_ >= 2 && @_ <= 3;
    goto &_validate;
}

package xCAT::DHCP::XS::Inventory;

our @CARP_NOT = ('xCAT::DHCP::XS');

sub to_hash {
    my ($self) = @_;
    my $parts = eval { $self->_parts } // xCAT::DHCP::XS::_rethrow($@);
    return xCAT::DHCP::XS::_hash_from_parts($parts);
}

# The C++ value is not copied into new ithreads: there the object is undef.
sub CLONE_SKIP { 1 }

package xCAT::DHCP::XS::Intent;

sub CLONE_SKIP { 1 }

1;

__END__

=head1 NAME

xCAT::DHCP::XS - xCAT tables in, ISC dhcpd or Kea configuration out (libxcatdhcp for Perl)

=head1 SYNOPSIS

  use xCAT::DHCP::XS qw(:all);

  # the data dhcp.pm already has, attribute-name keyed (undef = absent)
  my $facts     = probe_server_facts({tftpdir => '/tftpboot'});
  my $inventory = inventory_from_tables(\%site, \@network_rows, \%nodes, $facts);

  my $choice = select_backend(\%site, $facts);     # {backend => 'kea', reason => ...}
  my $built  = build_intent($inventory);           # intent + per-node diagnostics
  print "$_->{text}\n" for @{ $built->{diagnostics} };

  my $secret = parse_key_text($ddns_key_text)->{secret};
  my $files = $choice->{backend} eq 'kea'
    ? render_kea($built, {server_facts => $facts}, {omapi_secret => $secret})
    : render_isc($built, {server_facts => $facts}, {omapi_secret => $secret});
  # $files: {'kea-dhcp4.conf' => '...', ...}: write them into a directory, then
  my $report = validate($choice->{backend}, $dir);  # {ok => 1, files => [...]}

=head1 DESCRIPTION

A thin Perl binding of libxcatdhcp, the library that turns xCAT's tables into DHCP server
configuration. Each function converts Perl data (hashes, arrays, strings) to the library's
types, calls the library, and converts the result back; no DHCP logic lives in Perl or in the
XS layer, so a fix in the library lands for Perl, C++ and the C<xcatdhcp> command alike.

The flow dhcp.pm follows is B<select> (which backend) -E<gt> B<intent> (what the server must
do, with diagnostics per node and network) -E<gt> B<render> (files as data) -E<gt>
B<validate> (the server's own checker) -E<gt> write and reload.

Nothing is exported by default; import functions by name or with C<:all>.

=head2 Data conventions

=over

=item *

B<Strings are bytes.> A character string (UTF-8 flagged) is passed as its UTF-8 encoding, a
byte string as it is; every result is a byte string (UTF-8 wherever the library writes text).
Embedded NUL bytes, quotes, newlines and very long values are passed through unchanged; the
library quotes and escapes them in its messages. (Server facts travel through the library's
JSON form, where bytes that are not UTF-8 become U+FFFD.)

=item *

B<Table values> are strings; C<undef> means the attribute is absent. Numbers are taken as
their string form. A reference where a string is expected is an error (objects with
overloaded stringification are stringified). Booleans (profile flags) follow Perl: C<''> and
C<'0'> are false.

=item *

B<Errors> are Perl exceptions (C<die>) whose text is the library's message followed by the
caller's location, e.g. C<mac 'zz:zz': not a MAC address ... at makedhcp line 12.> Catch them
with C<eval>. Bad arguments (C<undef> where a string is required, a string where a hash is
required, an unknown option) croak with a message naming the function and the argument. A die
inside your own data (a tied hash's FETCH, an overloaded stringification) propagates as it
is. No C++ exception ever reaches Perl.

=item *

B<Diagnostics> (problems with single nodes or networks, which do not stop the rest) are
hashes:

  { severity  => 'error' | 'warning' | 'info',
    node      => 'cn0001',          # '' for site- or network-level findings
    subject   => 'network 10_0_0_0-255_255_0_0',   # what a node-less finding is about
    attribute => 'mac',
    value     => 'zz:zz',           # the raw value
    message   => 'not a MAC address ...',
    text      => "error: node cn0001: mac 'zz:zz': not a MAC address ..." }   # one log line

=back

=head1 FUNCTIONS

=head2 version

  my $v = version();

The library's version string, e.g. C<0.1.0>. (C<$xCAT::DHCP::XS::VERSION> is the module's.)

=head2 select_backend

  my $choice = select_backend(\%site, $server_facts);
  my $choice = select_backend($dhcpbackend, $server_facts);
  my $choice = select_backend($inventory);

Which DHCP server renders and runs: applies C<site.dhcpbackend> (C<auto>, C<isc>, C<kea>;
empty or absent means auto) to the server facts (platform, installed backends). The first
argument is the site table as a hash (only C<dhcpbackend> is read) or the C<dhcpbackend>
value itself; C<$server_facts> is described under L</parse_server_facts>. With one argument,
an inventory (object or hash) supplies both. Returns

  { backend   => 'isc' | 'kea',
    setting   => 'auto' | 'isc' | 'kea',
    reason    => 'one sentence an administrator can act on',
    fell_back => 0 | 1 }       # auto's platform choice was not installed; the other one is used

Dies when the setting is not a valid value, when a forced backend is not installed, or when
auto finds neither installed.

=head2 parse_mac

  my $mac = parse_mac($text);      # '42:00:0a:00:01:01'

One hardware address (6 to 20 octets, two hex digits each, separated consistently by C<:> or
C<->, any case), returned lowercase and colon separated. Dies on anything else; dies naming
the argument when C<$text> is undef.

=head2 parse_mac_list

  my $parsed = parse_mac_list($node{mac});

The xCAT C<mac.mac> attribute: C<|>-separated elements, each C<MAC> or C<MAC!HOSTNAME>. Bad
elements do not stop the good ones. Returns

  { nics   => [ { mac => '42:00:0a:00:01:01', hostname => '', no_ip => 0 }, ... ],
    errors => [ diagnostic, ... ] }   # one per bad element

C<hostname> is C<''> for the node's own name; C<no_ip> is 1 for C<!*NOIP*> entries.

=head2 parse_dynamic_ranges

  my $ranges = parse_dynamic_ranges($network{dynamicrange});

The C<networks.dynamicrange> attribute: C<;>-separated items, each C<a-b> (or C<a,b>, C<a b>)
or a prefix C<a/len>. Returns

  [ { first => '10.0.200.1', last => '10.0.254.254', family => 4 },
    { first => '172.20.192.0', last => '172.20.255.255', family => 4, prefix_length => 18 } ]

C<prefix_length> is present only for items written as a prefix. Dies, naming the offending
item, when an item does not parse, mixes families or runs backwards.

=head2 parse_server_facts

  my $facts = parse_server_facts($yaml_or_json_text);
  my $facts = parse_server_facts(\%facts);

Facts about the DHCP server host that xCAT's tables do not hold: C<hostname>, C<names>,
C<platform> (C<id>, C<version>, C<id_like>, C<platform_id> from /etc/os-release),
C<interfaces> (C<[{name =E<gt> 'eth1', addresses =E<gt> ['10.0.0.1/16']}]>), C<routes>
(C<[{destination, interface, gateway}]>), C<hosts> (name =E<gt> [addresses]), C<backends>
(the installed servers: C<{isc =E<gt> '4.4.3', kea =E<gt> '2.2.0'}>), C<kea_hooks>,
C<tftp_files>, C<ip_forward>. This is the C<server:> section of the YAML inventory form
(docs/inventory.md); C<examples/inventories/cluster/server.yaml> is an example.

Takes YAML or JSON text, or the same data as a Perl hash, and returns the facts as the
library reads them (normalized: canonical addresses, C<default> routes as C<0.0.0.0/0>).
Every function that takes C<$server_facts> accepts either form. Dies on an unknown fact, an
address that does not parse, a reference cycle, and the like.

=head2 probe_server_facts

  my $facts = probe_server_facts({tftpdir => '/tftpboot'});

The facts of the host this runs on, read by the library's probe: /etc/os-release, the
interfaces and their addresses, kernel routes, /etc/hosts, the installed dhcpd and Kea
(versions from C<dhcpd --version> and C<kea-dhcp4 -V>), Kea hook libraries, the xNBA loaders
under the TFTP directory, ip_forward. Options: C<tftpdir> (site.tftpdir), C<root> (read files
below this directory instead of C</>), C<query_versions> (0: do not run the servers to ask
their versions). Returns the facts hash of L</parse_server_facts>.

=head2 load_inventory

  my $inventory = load_inventory($path);
  my $object    = load_inventory($path, {object => 1});

Loads an inventory file: YAML (C<*.yaml>), JSON (C<*.json>), an C<lsdef -z> stanza file
(C<*.stanza>), or a directory of C<*.stanza> files with an optional C<server.yaml>. Returns a
hash

  { site     => { attribute => value },
    networks => { network object name => { attribute => value } },
    nodes    => { node name => { attribute => value } },
    osimages => { osimage name => { attribute => value } },
    server   => { server facts } }

or, with C<{object =E<gt> 1}>, an C<xCAT::DHCP::XS::Inventory> object (no conversion to Perl).
Dies when the file cannot be read or does not parse, naming the object, attribute and value;
a path containing a NUL byte is refused.

=head2 inventory_from_tables

  my $inventory = inventory_from_tables(\%site, $networks, $nodes, $server_facts [, $osimages]);

Builds an inventory from the data dhcp.pm already has:

=over

=item C<\%site>

The site table: C<{dhcpbackend =E<gt> 'auto', domain =E<gt> 'cluster.example', ...}>.

=item C<$networks>

The networks table: either C<{netname =E<gt> {net =E<gt> ..., mask =E<gt> ..., mgtifname
=E<gt> ..., dynamicrange =E<gt> ..., ...}}>, or an array of rows as C<getAllEntries> returns
them, each naming itself in C<netname>.

=item C<$nodes>

C<{node =E<gt> {mac =E<gt> ..., ip =E<gt> ..., netboot =E<gt> ..., arch =E<gt> ...,
xcatmaster =E<gt> ..., ...}}> under lsdef attribute names, or an array of rows each naming
itself in C<node>.

=item C<$server_facts>

See L</parse_server_facts>.

=item C<$osimages> (optional)

C<{imagename =E<gt> {pkgdir =E<gt> ..., ...}}> or rows naming themselves in C<imagename>.

=back

Values are strings; C<undef> values are skipped (absent). Returns an opaque
C<xCAT::DHCP::XS::Inventory> object holding the library's inventory, so nothing is converted
twice. Dies, naming the argument, table, object and attribute, when the shape is wrong.

=head2 inventory_from_hash

  my $object = inventory_from_hash(\%inventory);

An C<xCAT::DHCP::XS::Inventory> object from a hash shaped as L</load_inventory> returns it
(or a copy of another object).

=head2 build_intent

  my $built = build_intent($inventory [, \%options]);

The normalized DHCP intent: interfaces, subnets, pools, reservations, options, boot rules,
DDNS. C<$inventory> is an C<xCAT::DHCP::XS::Inventory> object or an inventory hash. Options:

=over

=item C<previous_subnet_ids =E<gt> {'10.0.0.0/16' =E<gt> 17, ...}>

Subnet ids already in use (e.g. read from the running Kea configuration), kept stable.

=item C<second_stage_user_classes =E<gt> ['xNBA']>

User classes (option 77) sent by the second-stage loader; default C<['xNBA']>.

=item C<decode_intent =E<gt> 0>

Skip decoding the intent JSON into C<intent> (JSON::PP takes about 0.1 s for 300 nodes).

=back

Returns

  { intent_json      => '{ "schema": "xcatdhcp-intent/1", ... }',   # docs/intent.md
    intent           => { ... },      # intent_json decoded with JSON::PP
    diagnostics      => [ diagnostic, ... ],
    has_errors       => 0 | 1,        # some diagnostic has severity 'error'
    inventory_digest => 'sha256 hex of the inventory',  # named in the rendered headers
    handle           => xCAT::DHCP::XS::Intent object } # what the renderers read

Problems with single nodes or networks become diagnostics and the rest is still built; dies
only when nothing sensible can be built (e.g. no served interface) or on a bad option.

=head2 render_isc

  my $files = render_isc($built [, \%profile [, \%secrets [, \%options]]]);

Renders the intent (the hash from L</build_intent>, or its C<handle>) for ISC dhcpd. Returns
a hash file name =E<gt> content: C<dhcpd.conf>, C<dhcpd6.conf> (when there are IPv6 subnets)
and C<hosts.omapi.json> (the host objects for OMAPI). Renderers do no I/O.

Profile keys (all optional): C<server_facts> (start from the platform defaults for that
server: lease file path, static hosts, domain-search, dhcpd version), C<dhcpd_version>
(C<'4.4.3'>), C<dhcpd_version_output> (the text of C<dhcpd --version>), C<leases_file>,
C<omapi_port>, C<omapi_port6>, C<static_hosts> (write host blocks instead of leaving them to
OMAPI), C<domain_search>.

Secrets: C<omapi_secret> (base64, required: xCAT's OMAPI key, also its DDNS TSIG key),
C<tsig_secret>. Options: C<generator>, C<inventory_digest> (defaults to the build result's),
C<diagnostics> (see L</render_kea>). Dies on an unknown key, a bad value, a missing or
non-base64 secret, or an intent the file cannot express safely.

=head2 render_kea

  my $files = render_kea($built, \%profile [, \%secrets [, \%options]]);

Renders the intent for Kea: C<kea-dhcp4.conf>, C<kea-dhcp6.conf>, C<kea-dhcp-ddns.conf>,
C<kea-ctrl-agent.conf> and, for Kea 3.1+, the small secret and user files it wants, each where
it applies.

The profile starts from exactly one of: C<version> (C<'2.6.1'>: the Debian/Ubuntu layout and
the stock hooks of that version), C<version_output> (the text of C<kea-dhcp4 -V>), or
C<server_facts> (the Kea the facts say is installed, with the hooks the probe listed). Further
keys override single settings:
C<conf_dir>, C<lease_dir>, C<socket_dir>, C<log_dir>, C<hooks_dir>, C<hooks> (array of hook
library file names that are installed), C<control_agent> and C<daemon_http> (booleans: a REST
API is wanted), C<http> (a hash: C<address>, C<port>, C<dhcp4_port>, C<dhcp6_port>,
C<ddns_port>, C<user>, C<password_file>), C<tsig_secret_file>.

Secrets as for L</render_isc>. Options: C<inventory_digest> (defaults to the build result's),
C<dhcp4>, C<dhcp6>, C<ddns>, C<control_agent> (booleans: which files to emit), and
C<diagnostics =E<gt> \@findings>: the renderer's findings (a zone without a server, a boot
file too long for the BOOTP field...) are pushed onto that array as diagnostic hashes.

=head2 parse_key_text

  my $key = parse_key_text($text);   # {name => 'xcat_key', algorithm => 'hmac-md5', secret => '...'}

Key material as xCAT keeps it: /etc/xcat/ddns.key (a BIND C<key> statement) or a bare base64
line. Dies when no secret is found or it is not base64.

=head2 validate

  my $report = validate($backend, $dir [, \%options]);

Runs the backend's own validators (C<dhcpd -t>, C<kea-dhcp4 -t>, ...) on the files of C<$dir>
that have one; a missing validator is a failure. Interfaces this host lacks are provided in a
private network namespace (as root) or relaxed in a copy, and the notes say which. Options:
C<chroot> (run the validators inside this root), C<provide_interfaces> (0: run as is),
C<timeout_seconds>. Returns

  { ok    => 0 | 1,
    files => [ { file => '/dir/dhcpd.conf', command => ['dhcpd', '-t', '-cf', ...],
                 ok => 1, exit_code => 0, output => "the validator's own words" } ],
    notes => [ 'how the check was done', ... ] }

A failed validation is a report with C<ok =E<gt> 0>, not an exception; bad arguments die.

=head1 OBJECTS

C<xCAT::DHCP::XS::Inventory>: C<< $inventory->to_hash >> (the L</load_inventory> hash),
C<< $inventory->to_json >> (the library's JSON form), C<< $inventory->digest >> (SHA-256 hex),
C<< $inventory->node_count >>.

C<xCAT::DHCP::XS::Intent>: C<< $intent->to_json >>.

Both hold C++ values, are freed with their last reference and cannot be forged (a hand-made
blessed reference is refused). They are not copied into new ithreads (there they are undef);
fork is fine.

=head1 EXAMPLE: makedhcp, the dhcp.pm way

  use xCAT::DHCP::XS qw(:all);

  my %site  = map { $_ => get_site_attribute($_) }
              qw(dhcpbackend dhcpinterfaces domain nameservers master dnshandler timezone);
  my @nets  = $networkstab->getAllEntries();           # rows with netname, net, mask, ...
  my %nodes = ...;                                      # node => {mac, ip, netboot, arch, ...}

  my ($choice, $built, $files);
  eval {
      my $facts     = probe_server_facts({tftpdir => $site{tftpdir}});
      my $inventory = inventory_from_tables(\%site, \@nets, \%nodes, $facts);
      $choice = select_backend(\%site, $facts);
      $built  = build_intent($inventory);
      my %secrets = (omapi_secret => parse_key_text($ddns_key)->{secret});
      $files  = $choice->{backend} eq 'kea'
        ? render_kea($built, {server_facts => $facts}, \%secrets)
        : render_isc($built, {server_facts => $facts}, \%secrets);
      1;
  } or do {
      xCAT::MsgUtils->message('E', {error => ["makedhcp: $@"], errorcode => [1]}, $callback);
      return;
  };
  for my $d (@{ $built->{diagnostics} }) {
      xCAT::MsgUtils->message($d->{severity} eq 'error' ? 'E' : 'W',
                              {data => [$d->{text}]}, $callback);
  }
  # write %$files into a staging directory, validate($choice->{backend}, $dir), then
  # move them into place and reload

See also C<examples/perl/makedhcp-demo.pl> and docs/perl.md in the source tree.

=head1 BUILDING

  cmake -S . -B build && make -C build -j2        # the library
  perl Makefile.PL && make && make test            # this module, against build/lib
  perl Makefile.PL XCATDHCP_PKGCONFIG=1            # against an installed libxcatdhcp

=head1 SEE ALSO

docs/perl.md, docs/intent.md, docs/inventory.md, C<xcatdhcp --help>.

=cut
