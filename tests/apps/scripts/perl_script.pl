# Perl in Osprey: hashes, arrays, sorting, regular expressions, sprintf, pack/unpack,
# references and closures, local subroutines, eval/die, file I/O under /tmp, and modules
# with XS parts that perl loads with dlopen (List::Util, POSIX, Digest::MD5, Data::Dumper).
use strict;
use warnings;
use List::Util qw(sum max first reduce shuffle);
use POSIX qw(floor ceil fmod strftime);
use Digest::MD5 qw(md5_hex);
use Data::Dumper;
$Data::Dumper::Sortkeys = 1;
$Data::Dumper::Indent = 1;

my $text = "the quick brown fox jumps over the lazy dog the end";
my %count;
$count{$_}++ for split /\s+/, $text;
print join(" ", map { "$_=$count{$_}" } sort { $count{$b} <=> $count{$a} || $a cmp $b } keys %count), "\n";

my @numbers = map { ($_ * 7919) % 1000 } 1 .. 1000;
my @sorted = sort { $a <=> $b } @numbers;
my $sum = 0;
$sum += $_ for @numbers;
printf "numbers: min %d max %d median %d sum %d\n", $sorted[0], $sorted[-1], $sorted[500], $sum;

my $log = "2024-02-29 GET /index.html 200\n2024-03-01 POST /api 201\n2024-03-01 GET /missing 404\n";
while ($log =~ /^(\d{4})-(\d\d)-(\d\d) (\w+) (\S+) (\d+)$/mg) {
    print "request: $4 $5 status $6 day $3\n";
}
(my $swapped = "bob\@example.com eve\@corp.com") =~ s/(\w+)\@(\w+)\.com/$2:$1/g;
print "s///g: $swapped\n";
print "tr: ", ($text =~ tr/a-z//), " letters\n";

printf "sprintf: %5.2f|%-6s|%x|%o|%e|%s\n", 3.14159, "ab", 255, 8, 1234.5, join(",", reverse 1 .. 5);
my $packed = pack("NnC A4", 0xDEADBEEF, 513, 7, "perl");
print "pack: ", unpack("H*", $packed), " ", join(",", unpack("NnC A4", $packed)), "\n";

my %tree = (name => "root", children => [{ name => "a", children => [] }, { name => "b", children => [{ name => "c", children => [] }] }]);
sub walk {
    my ($node, $depth) = @_;
    my @out = ("  " x $depth . $node->{name});
    push @out, walk($_, $depth + 1) for @{ $node->{children} };
    return @out;
}
print "tree:\n", map { "$_\n" } walk(\%tree, 0);

sub make_counter { my $n = shift; return sub { return $n++ } }
my $counter = make_counter(10);
$counter->() for 1 .. 3;
print "closure: ", $counter->(), "\n";

my $result = eval { die { code => 42 } };
print "eval: code $@->{code}\n";
eval { my $x = 1 / 0 };
print "division: ", ($@ =~ /division by zero/ ? "caught" : "missed: $@"), "\n";

my $path = "/tmp/osprey-perl-$$.txt";
open(my $out, ">", $path) or die "open: $!";
printf $out "line %03d\n", $_ for 1 .. 100;
close($out);
open(my $in, "<", $path) or die "open: $!";
my ($lines, $total) = (0, 0);
while (my $line = <$in>) {
    $lines++;
    $total += $1 if $line =~ /(\d+)/;
}
close($in);
my $size = -s $path;
unlink($path) or die "unlink: $!";
print "file: $lines lines, total $total, $size bytes, gone ", (-e $path ? "no" : "yes"), "\n";
print "List::Util: ", sum(1 .. 100), " ", max(3, 9, 2), " ", first { $_ > 3 } (1 .. 10);
print " ", reduce { $a * $b } 1 .. 10;
print "\n";
print "POSIX: ", floor(-2.5), " ", ceil(2.1), " ", fmod(10, 3), " ", strftime("%Y-%m-%d %H:%M", gmtime(1709210700)), "\n";
print "md5: ", md5_hex("osprey" x 100), "\n";
print Dumper({ list => [1, 2, 3], name => "osprey", nested => { a => undef } });
print "gmtime: ", scalar(gmtime(1709210700)), "\n";
print "done\n";
exit 0;
