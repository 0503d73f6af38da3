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
  apply
  kea_command kea_leases kea_stats
  kea_reservations_add kea_reservations_del kea_reservations_query
  omapi_add omapi_del omapi_lookup
  isc_reservations_add isc_reservations_del isc_reservations_query
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
    # (Perl adds ", <FH> line N" when a filehandle has been read.)
    $error =~ s/ at \Q$this_file\E line \d+(?:, <[^>]*> (?:line|chunk) \d+)?\.\n\z//;
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

# ---------------------------------------------------------------- apply and live operations

# An inventory argument of the live calls: an object, a hash as load_inventory returns it, or
# the path of an inventory file (loaded once, as an object).
sub _inventory_of {
    my ($inventory, $function) = @_;
    Carp::croak("$function: argument 'inventory' is required") unless defined $inventory;
    return $inventory if ref $inventory;
    return eval { load_inventory($inventory, { object => 1 }) } // _rethrow($@);
}

sub _args_hash {
    my ($function, $usage, @args) = @_;
    Carp::croak("Usage: xCAT::DHCP::XS::$function($usage)") unless @args == 1 && ref $args[0] eq 'HASH';
    return { %{ $args[0] } };
}

my %apply_settings = map { $_ => 1 } qw(root services netns keep_backups backup_dir);

sub apply {
    my $args = _args_hash('apply', '\%args', @_);
    my $files = delete $args->{files};
    my $backend = delete $args->{backend};
    my $inventory = delete $args->{inventory};
    my $profile = delete $args->{profile};
    my $secrets = delete $args->{secrets};
    my $validate = delete $args->{validate};
    my %settings;
    for my $key (keys %$args) {
        Carp::croak("apply: unknown argument '$key' (known: files, backend, inventory, profile, secrets, "
            . "root, services, netns, keep_backups, backup_dir, validate)") unless $apply_settings{$key};
        $settings{$key} = $args->{$key};
    }
    if (!defined $files) {
        Carp::croak("apply: give 'files' (a render result) with 'backend', or an 'inventory'")
          unless defined $inventory;
        my $object = _inventory_of($inventory, 'apply');
        $backend //= (eval { select_backend($object) } // _rethrow($@))->{backend};
        my $built = eval { build_intent($object, { decode_intent => 0 }) } // _rethrow($@);
        # As xcatdhcp apply -i: the profile of the server the inventory describes.
        $profile //= { server_facts => $object->to_hash->{server} };
        $files = $backend eq 'kea'
          ? render_kea($built, $profile, $secrets)
          : render_isc($built, $profile, $secrets);
    }
    Carp::croak("apply: argument 'backend' is required with 'files' (isc or kea)") unless defined $backend;
    return eval { _apply($backend, $files, \%settings, $validate) } // _rethrow($@);
}

sub _endpoint_arg {
    my ($function, $endpoint) = @_;
    Carp::croak("$function: argument 'endpoint' must be a hash reference {socket => PATH} or "
        . "{url => URL, user => ..., password_file => ...}") unless ref $endpoint eq 'HASH';
    return $endpoint;
}

sub kea_command {
    Carp::croak('Usage: xCAT::DHCP::XS::kea_command(\%endpoint, $command [, \%arguments | $json])')
      unless @_ == 2 || @_ == 3;
    my ($endpoint, $command, $arguments) = @_;
    my $text = eval { _kea_command(_endpoint_arg('kea_command', $endpoint), $command, $arguments) }
      // _rethrow($@);
    return $json->decode($text);
}

sub kea_leases {
    Carp::croak('Usage: xCAT::DHCP::XS::kea_leases(\%endpoint [, {mac => M | ip => A | subnet => ID, family => 4|6}])')
      unless @_ == 1 || @_ == 2;
    my ($endpoint, $filter) = @_;
    my $text = eval { _kea_leases(_endpoint_arg('kea_leases', $endpoint), $filter) } // _rethrow($@);
    return $json->decode($text);
}

sub kea_stats {
    Carp::croak('Usage: xCAT::DHCP::XS::kea_stats(\%endpoint [, $name])') unless @_ == 1 || @_ == 2;
    my ($endpoint, $name) = @_;
    my $text = eval { _kea_stats(_endpoint_arg('kea_stats', $endpoint), $name) } // _rethrow($@);
    return $json->decode($text);
}

my %reservation_args = map { $_ => 1 } qw(endpoint inventory nodes config profile secrets config_set keep_leases);

sub _kea_reservations_call {
    my ($operation, @args) = @_;
    my $function = "kea_reservations_$operation";
    my $args = _args_hash($function, '{endpoint => \%endpoint, inventory => $inventory, nodes => \@nodes, config => $path, ...}', @args);
    for my $key (keys %$args) {
        Carp::croak("$function: unknown argument '$key' (known: " . join(', ', sort keys %reservation_args) . ')')
          unless $reservation_args{$key};
    }
    my %options;
    for my $flag (qw(config_set keep_leases)) {
        $options{$flag} = $args->{$flag} ? 1 : 0 if exists $args->{$flag};
    }
    my $inventory = _inventory_of($args->{inventory}, $function);
    my $text = eval {
        _kea_reservations($operation, _endpoint_arg($function, $args->{endpoint}), $inventory,
            $args->{nodes}, $args->{config}, $args->{profile}, $args->{secrets}, \%options);
    } // _rethrow($@);
    return $json->decode($text);
}

sub kea_reservations_add   { _kea_reservations_call('add', @_) }
sub kea_reservations_del   { _kea_reservations_call('del', @_) }
sub kea_reservations_query { _kea_reservations_call('query', @_) }

sub _omapi_call {
    my ($operation, @args) = @_;
    my $function = "omapi_$operation";
    Carp::croak("Usage: xCAT::DHCP::XS::$function(\\%session, \$inventory [, \\\@nodes [, \\%options]])")
      unless @args >= 2 && @args <= 4;
    my ($session, $inventory, $nodes, $options) = @args;
    my $object = _inventory_of($inventory, $function);
    return eval { _omapi_hosts($operation, $session, $object, $nodes, $options) } // _rethrow($@);
}

sub omapi_add { _omapi_call('add', @_) }
sub omapi_del { _omapi_call('del', @_) }

my %isc_reservation_args = map { $_ => 1 } qw(session inventory nodes by_ip leases);

sub _isc_reservations_call {
    my ($operation, @args) = @_;
    my $function = "isc_reservations_$operation";
    my $args = _args_hash($function, '{session => \%session, inventory => $inventory, nodes => \@nodes, ...}', @args);
    for my $key (keys %$args) {
        Carp::croak("$function: unknown argument '$key' (known: " . join(', ', sort keys %isc_reservation_args) . ')')
          unless $isc_reservation_args{$key};
    }
    my %options;
    $options{by_ip} = $args->{by_ip} if defined $args->{by_ip};
    $options{leases} = $args->{leases} ? 1 : 0 if exists $args->{leases};
    my $inventory = _inventory_of($args->{inventory}, $function);
    my $text = eval {
        _isc_reservations($operation, $args->{session}, $inventory, $args->{nodes}, \%options);
    } // _rethrow($@);
    return $json->decode($text);
}

sub isc_reservations_add   { _isc_reservations_call('add', @_) }
sub isc_reservations_del   { _isc_reservations_call('del', @_) }
sub isc_reservations_query { _isc_reservations_call('query', @_) }

sub omapi_lookup {
    Carp::croak('Usage: xCAT::DHCP::XS::omapi_lookup(\%session, \@keys)') unless @_ == 2;
    return eval { _omapi_lookup(@_) } // _rethrow($@);
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

=head2 apply

  my $result = apply({ files => $files, backend => 'kea', root => '/', services => 'auto' });
  my $result = apply({ inventory => $inventory, profile => {server_facts => $facts},
                       secrets => \%secrets });

Puts rendered files in place safely, as C<xcatdhcp apply> does (the same library code):
B<validate> the new files as a set with the backend's own validator, B<back up> the files
they replace (kept, rotated), B<write> each one atomically (temp file, fsync, rename; mode
0640, group C<_kea>/C<kea> for Kea where it exists), B<reload or restart> the services in
order and check they came back; on any failure the previous files are put back and reloaded,
and the error says what failed and that the old configuration is live. An invalid
configuration never replaces a running one.

The files come from C<files> (the hash L</render_kea> or L</render_isc> returns) with
C<backend> (C<isc> or C<kea>), or from an C<inventory> (object, hash, or file path): then the
backend is C<backend> or L</select_backend>'s choice, and the files are rendered with
C<profile> and C<secrets> as in L</render_kea> / L</render_isc> (C<profile> defaults to
C<{server_facts =E<gt> the inventory's}>, as C<xcatdhcp apply -i> renders).

Settings: C<root> (prefixes every destination, C</> by default: for staging and tests),
C<services> (C<auto>: C<systemd> when PID 1 is systemd, else C<direct>; C<systemd>: reload the
installed units, an error when none is installed; C<direct>: start and reload the daemons
directly by PID, output and PID files under ROOT/var/log/xcatdhcp and ROOT/run/xcatdhcp;
C<none>: files only; with C<direct> a Kea daemon is started or reloaded when Kea says so in
its output or in the log files its configuration's C<loggers> name), C<netns>
(C<direct>: run the daemons in this network namespace),
C<keep_backups> (default 5), C<backup_dir> (default C<.xcatdhcp-backup> next to the files),
C<validate> (the options of L</validate>). Returns

  { changed       => 0 | 1,              # 0: every file already had this content
    written       => ['/etc/kea/kea-dhcp4.conf', ...],
    backup        => '/etc/kea/.xcatdhcp-backup/20261122T162424.386334Z-32317',  # '' when unchanged
    steps         => ['validated 1 file(s)', 'backed up to ...', 'wrote 1 file(s)',
                      'reloaded kea-dhcp4-server'],
    services_mode => 'systemd' | 'direct' | 'none',
    services      => ['kea-dhcp4-server', ...] }   # reloaded, in order

Dies when validation fails (the validator's words are in the message; nothing changed), when
writing or reloading fails (the previous files are restored), and on bad arguments.

=head2 Kea endpoints

The C<kea_*> functions talk to a running Kea through the library's control client. The
endpoint is a hash:

  { socket => '/run/kea/kea4-ctrl-socket' }                  # the daemon's UNIX socket, or
  { url => 'http://127.0.0.1:8004/',                          # its HTTP(S) socket (2.7.2+),
    user => 'admin', password_file => '/etc/kea/admin.pw',    # basic auth (or password => ...)
    ca_file => ..., cert_file => ..., key_file => ..., insecure => 0,   # HTTPS
    service => 'dhcp4' }                                      # the URL is a Control Agent
  # and timeout => SECONDS (1-3600, default 60) for either

Exactly one of C<socket> and C<url>; an IPv6 host goes in brackets
(C<http://[fd00::1]:8004/>). A bad endpoint, an unreachable server or a failed command dies
with a message naming the endpoint, the command and Kea's own text; "nothing found" is not an
error (an empty list).

=head2 kea_command

  my $reply = kea_command(\%endpoint, 'status-get');
  my $reply = kea_command(\%endpoint, 'lease4-get', { 'ip-address' => '10.0.1.1' });
  my $reply = kea_command(\%endpoint, 'config-get', $json_text);

Sends one command (arguments: a hash, or JSON text) and returns the reply, whatever it says:

  { command => 'status-get', outcome => 'ok', result => 0, text => '...',
    arguments => { pid => 1234, ... },   # decoded; absent when Kea sent none
    'http-status' => 200 }                # over HTTP only

C<outcome> is C<ok>, C<empty> (result 3: nothing found), C<error>, C<unsupported> (the hook
library is not loaded), C<conflict>, C<partial>, C<unauthorized>, C<forbidden>, C<transport>
(no answer) or C<malformed>. Only misuse (a bad endpoint, arguments that are not an object)
dies.

=head2 kea_leases

  my $leases = kea_leases(\%endpoint);                           # all
  my $leases = kea_leases(\%endpoint, { mac => '42:00:0a:00:01:01' });
  my $leases = kea_leases(\%endpoint, { ip => '10.0.1.1' });
  my $leases = kea_leases(\%endpoint, { subnet => 1, family => 6 });

The server's leases (lease_cmds hook): all, or those of one MAC, address or subnet id; C<family
=E<gt> 6> asks for DHCPv6 leases. Returns a list of hashes in Kea's own key names, as
C<xcatdhcp leases --json> prints them:

  [ { 'ip-address' => '10.0.1.1', 'hw-address' => '42:00:0a:00:01:01', 'subnet-id' => 1,
      'valid-lft' => 3600, cltt => 1763827200, hostname => 'cn1', state => 0, ... } ]

An empty list when there are none. Dies when the command fails (e.g. C<unsupported>: the
lease_cmds hook is not loaded).

=head2 kea_stats

  my $stats = kea_stats(\%endpoint);                   # every statistic
  my $stats = kea_stats(\%endpoint, 'pkt4-ack-sent');  # one

Statistics as C<xcatdhcp stats --json> prints them: statistic name =E<gt> samples, newest
first, each C<[value, timestamp]>:

  { 'pkt4-ack-sent' => [[12, '2026-11-22 16:00:00.123456'], ...],
    'subnet[1].assigned-addresses' => [[3, '...']], ... }

Dies when the server has no statistic of that name.

=head2 kea_reservations_add

  my $report = kea_reservations_add({
      endpoint  => \%endpoint,
      inventory => $inventory,           # object, hash, or file path
      nodes     => ['cn1', 'cn2'],       # or one name
      config    => '/etc/kea/kea-dhcp4.conf',   # the file the server runs, as this host sees it
      profile   => { version => '2.6.1' },      # optional: as render_kea; default the inventory's
      secrets   => \%secrets,                   #   server facts
      config_set  => 0,   # 1: config-set even when host_cmds is loaded
      keep_leases => 0,   # 1: do not delete leases in the way
  });

xCAT's C<makedhcp NODE> for Kea, without a restart (C<xcatdhcp reservations add>): the nodes'
reservations, rendered from the inventory, replace theirs in the configuration file (checked
by the server with config-test, written atomically) and in the running server
(reservation-del + reservation-add when host_cmds is loaded, else config-set). Leases in the
way (another client on a reserved address, the node's MAC on another address) are deleted, so
the node gets its address at once. Returns the report

  { ok => 1|0, method => 'host_cmds' | 'config-set', config => PATH, file_written => 1|0,
    error => '...',                     # present when something stopped the whole batch
    nodes => [ { node => 'cn1', ok => 1|0, actions => ['file: added 10.0.1.1', ...],
                 message => 'why it failed' }, ... ] }

A bad node (unknown, no address) fails alone, with a message naming it; the others go
through. Dies on bad arguments and a bad endpoint. (Boolean fields are JSON::PP booleans.)

=head2 kea_reservations_del

  my $report = kea_reservations_del({ endpoint => ..., inventory => ..., nodes => [...],
                                      config => PATH });

C<makedhcp -d NODE>: the nodes' reservations leave the file and the server; their leases on
the former reserved addresses are deleted. A node already gone from the inventory can still be
removed when the file has it. Returns the report as L</kea_reservations_add>.

=head2 kea_reservations_query

  my $nodes = kea_reservations_query({ endpoint => ..., inventory => ..., nodes => [...] });

C<makedhcp -q NODE>: per node, the reservations the server holds and its current leases:

  [ { node => 'cn1', found => 1|0, source => 'reservation-get' | 'config-get',
      reservations => [ { 'hw-address' => ..., 'ip-address' => ..., hostname => ...,
                          'boot-file-name' => ..., 'subnet-id' => 1, ... } ],
      leases => [ lease, ... ], message => '' } ]

=head2 OMAPI sessions

The C<omapi_*> functions talk to a running ISC dhcpd over OMAPI with the library's native
client (no omshell). The session is a hash: C<server> (default 127.0.0.1), C<port> (default
7911, 7912 for C<family =E<gt> 6>), C<family> (4 or 6: which host objects), C<secret> (base64)
or C<key_file> (/etc/xcat/ddns.key), C<key_name> and C<algorithm> (default: the key file's, else
the inventory's, C<xcat_key> / C<hmac-md5>), C<timeout_ms>, C<connections> (1-64, default 8).
A connection, authentication or protocol failure dies naming the server.

=head2 omapi_add

  my $report = omapi_add(\%session, $inventory [, \@nodes [, {by_ip => 'pools'}]]);

Replaces the nodes' host objects (all nodes of the inventory when C<\@nodes> is absent): per
host the objects with its name, hardware address and (C<by_ip>: C<pools>, the default, only
for addresses inside a dynamic range; C<always>; C<never>) address are removed, then it is
created. A node with no host object in the inventory dies naming it. Returns

  { hosts => [ { node => 'cn1', name => 'cn1', ok => 1|0, removed => 1,
                 error => 'not found', message => '...' }, ... ],
    succeeded => 2, failed => 0, requests => 8,
    aborted => '...' }     # present when the session broke off (the rest failed with it)

=head2 omapi_del

  my $report = omapi_del(\%session, $inventory [, \@nodes [, \%options]]);

Removes the nodes' host objects (by name, hardware address and address). Returns the report
of L</omapi_add>; a host with nothing to remove succeeds with C<removed =E<gt> 0>.

=head2 isc_reservations_add

  my $report = isc_reservations_add({ session => \%session, inventory => $inventory,
                                      nodes => ['cn1', 'cn2'], by_ip => 'pools' });

C<makedhcp NODE> for ISC dhcpd: the nodes' host objects (as the ISC renderer makes them) are
replaced in the running dhcpd through OMAPI, without a restart. C<session> is the hash of
L</omapi_add>. Each node gets its own outcome; a bad node (unknown, or one dhcpd refuses)
fails alone. Returns the same report shape as L</kea_reservations_add>:

  { ok => 1|0, method => 'omapi', error => '...',   # error: what stopped everything
    nodes => [ { node => 'cn1', ok => 1, actions => [...], message => '...' }, ... ] }

=head2 isc_reservations_del

  my $report = isc_reservations_del({ session => \%session, inventory => $inventory, nodes => ['cn1'] });

C<makedhcp -d NODE>: removes the nodes' host objects (not found is fine). Same report.

=head2 isc_reservations_query

  my $list = isc_reservations_query({ session => \%session, inventory => $inventory,
                                      nodes => ['cn1'], leases => 1 });

C<makedhcp -q NODE>: per node, the host objects dhcpd holds (MAC, address, hostname, boot
fields) and, unless C<leases =E<gt> 0>, the leases of its MACs and addresses. The same shape as
L</kea_reservations_query>:

  [ { node => 'cn1', found => 1, source => 'omapi', reservations => [...], leases => [...],
      message => '...' }, ... ]

=head2 omapi_lookup

  my $found = omapi_lookup(\%session, ['cn1', { mac => '42:00:0a:00:01:01' }, { ip => '10.0.1.1' }]);

Looks host objects up: by name (a plain string) or by a hash with C<name>, C<mac> (with
C<hardware_type>, default 1), C<ip> or C<client_id>. Returns one entry per key:

  [ { key => "name 'cn1'",
      host => { name => 'cn1', mac => '42:00:0a:00:01:01', hardware_type => 1,
                ip => '10.0.1.1', client_id => '' },   # undef when not found
      error => '...' } ]                                 # only for failures other than not found

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
