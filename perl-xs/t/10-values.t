# parse_mac, parse_mac_list, parse_dynamic_ranges: good, bad, hostile and undef input.
use strict;
use warnings;
use Test::More;
use xCAT::DHCP::XS qw(parse_mac parse_mac_list parse_dynamic_ranges);

# ---- parse_mac
is(parse_mac('42:00:0A:00:01:01'), '42:00:0a:00:01:01', 'upper case normalized');
is(parse_mac('42-00-0a-00-01-01'), '42:00:0a:00:01:01', 'dashes normalized');
is(parse_mac('80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:ab:cd:ef'),
    '80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:ab:cd:ef', '20-octet IPoIB address');
is(parse_mac(my $copy = '42:00:0a:00:01:01'), '42:00:0a:00:01:01', 'lexical argument');

for my $bad ('', 'zz:zz:zz:zz:zz:zz', '42:00:0a:00:01', '42:00-0a:00:01:01', '42:00:0a:00:01:01:',
    ' 42:00:0a:00:01:01') {
    eval { parse_mac($bad) };
    like($@, qr/^mac '.*': not a MAC address/, "bad MAC '$bad' croaks with the library message");
}
eval { parse_mac('zz') };
like($@, qr/ at \S+10-values\.t line \d+\.$/, 'error located at the caller');

eval { parse_mac(undef) };
like($@, qr/^parse_mac: argument 'text' must be a string, not undef/, 'undef croaks naming the argument');
eval { parse_mac([]) };
like($@, qr/^parse_mac: argument 'text' must be a string, not an array reference/, 'reference croaks');
eval { parse_mac({}) };
like($@, qr/not a hash reference/, 'hash reference croaks');

# hostile strings: NUL, quotes, newlines, non-ASCII, huge
eval { parse_mac("42:00:0a:00:01:01\0") };
like($@, qr/\\x00/, 'embedded NUL is not truncated and is escaped in the message');
eval { parse_mac("42:00:0a:00:01:01\nerror: forged line") };
like($@, qr/\\nerror: forged line/, 'newline escaped: no forged log line');
unlike($@, qr/\n(?!\z)/, 'message is one line');
eval { parse_mac(q{'"; rm -rf /}) };
like($@, qr/not a MAC address/, 'quotes are plain data');
eval { parse_mac("\x{263a}") };
like($@, qr/\\xe2\\x98\\xba/, 'character string passed as UTF-8 bytes');
my $huge = '4' x 10_000_000;
eval { parse_mac($huge) };
like($@, qr/not a MAC address/, '10 MB string croaks');
cmp_ok(length $@, '<', 1000, 'message about a huge value stays short');
eval { parse_mac(42) };
like($@, qr/mac '42'/, 'number stringified');

{
    package Stringy;
    use overload '""' => sub { '42:00:0a:00:01:09' }, fallback => 1;
}
is(parse_mac(bless {}, 'Stringy'), '42:00:0a:00:01:09', 'overloaded object stringified');
{
    package Dies;
    use overload '""' => sub { die "stringify died\n" }, fallback => 1;
}
eval { parse_mac(bless {}, 'Dies') };
is($@, "stringify died\n", 'a die while reading the argument propagates');

# ---- parse_mac_list
my $list = parse_mac_list('42:00:0a:00:01:01|42:00:0a:00:01:02!cn1-ib|42:00:0a:00:01:03!*NOIP*');
is_deeply(
    $list,
    {
        nics => [
            { mac => '42:00:0a:00:01:01', hostname => '',       no_ip => 0 },
            { mac => '42:00:0a:00:01:02', hostname => 'cn1-ib', no_ip => 0 },
            { mac => '42:00:0a:00:01:03', hostname => '',       no_ip => 1 },
        ],
        errors => [],
    },
    'mac.mac list parsed'
) or diag explain $list;
is_deeply(parse_mac_list(''), { nics => [], errors => [] }, 'empty list');
is_deeply(parse_mac_list('||'), { nics => [], errors => [] }, 'empty elements skipped');

$list = parse_mac_list("zz|42:00:0a:00:01:01|bad\nline");
is(scalar @{ $list->{nics} }, 1, 'good element kept next to bad ones');
is(scalar @{ $list->{errors} }, 2, 'one error per bad element');
my $e = $list->{errors}[0];
is_deeply([sort keys %$e], [sort qw(severity node subject attribute value message text)],
    'diagnostic hash keys');
is($e->{severity}, 'error', 'severity');
is($e->{attribute}, 'mac', 'attribute');
is($e->{value}, 'zz', 'value');
like($e->{message}, qr/not a MAC address/, 'message');
like($list->{errors}[1]{text}, qr/'bad\\nline'/, 'text escapes the newline');
is($list->{errors}[1]{value}, "bad\nline", 'value keeps the raw bytes');

eval { parse_mac_list(undef) };
like($@, qr/^parse_mac_list: argument 'mac_attr' must be a string, not undef/, 'undef croaks');
$list = parse_mac_list("42:00:0a:00:01:01\0|" . ('x' x 1_000_000));
is(scalar @{ $list->{errors} }, 2, 'NUL and huge elements are errors, not crashes');

# ---- parse_dynamic_ranges
is_deeply(
    parse_dynamic_ranges('10.0.200.1-10.0.254.254;172.20.192.0/18;fd00:10::1000-fd00:10::1fff'),
    [
        { first => '10.0.200.1',   last => '10.0.254.254',   family => 4 },
        { first => '172.20.192.0', last => '172.20.255.255', family => 4, prefix_length => 18 },
        { first => 'fd00:10::1000', last => 'fd00:10::1fff', family => 6 },
    ],
    'ranges parsed'
);
is_deeply(parse_dynamic_ranges('10.0.0.1,10.0.0.9'),
    [ { first => '10.0.0.1', last => '10.0.0.9', family => 4 } ], 'comma form');
is_deeply(parse_dynamic_ranges(''), [], 'empty is no range');
for my $bad ('10.0.0.9-10.0.0.1', '10.0.0.1-fd00::1', 'a-b', '10.0.0.1-10.0.0.2-10.0.0.3',
    "10.0.0.1\0-10.0.0.2") {
    eval { parse_dynamic_ranges($bad) };
    like($@, qr/^dynamicrange /, 'bad range croaks: ' . quotemeta($bad));
}
eval { parse_dynamic_ranges(undef) };
like($@, qr/^parse_dynamic_ranges: argument 'text' must be a string, not undef/, 'undef croaks');
eval { parse_dynamic_ranges('10.0.0.1-' . ('9' x 5_000_000)) };
ok($@, 'huge range croaks');

done_testing;
