# Perl starting processes: system with a list and with a shell command line, backticks,
# open with "-|" and "|-", fork with waitpid, exec, a pipe between parent and child, and
# the exit statuses and signals in $?. The children are perl itself ($^X), /bin/sh and
# sort. Compared with the host's run.
use strict;
use warnings;

$| = 1;
my $perl = $^X;

system($perl, "-e", "exit 7");
print "system list: status ", $? >> 8, "\n";
system("test 1 = 2 || exit 3");
print "system shell line: status ", $? >> 8, "\n";
system("echo from a shell; echo on stderr >&2") == 0 or die "system failed: $?";
my $out = `$perl -e 'print join(",", map { \$_ * \$_ } 1..5)'`;
print "backticks: $out (status ", $? >> 8, ")\n";
my @lines = `printf 'b\\na\\nc\\n' | sort`;
chomp @lines;
print "backticks through a pipeline: @lines\n";

open(my $from, "-|", $perl, "-e", 'print "line $_\n" for 1..3; exit 2') or die "open -|: $!";
my @got = <$from>;
close($from);
print "open -|: ", scalar(@got), " lines, last '", $got[-1] =~ s/\n//r, "', status ", $? >> 8, "\n";

open(my $to, "|-", "sort", "-r") or die "open |-: $!";
print $to "$_\n" for qw(alpha gamma beta);
close($to);
print "open |-: status ", $?, "\n";

pipe(my $reader, my $writer) or die "pipe: $!";
my $pid = fork();
die "fork: $!" unless defined $pid;
if ($pid == 0) {
    close($reader);
    print $writer "hello from child $$\n" =~ s/\d+/N/r;
    close($writer);
    exit 42;
}
close($writer);
my $message = <$reader>;
close($reader);
my $waited = waitpid($pid, 0);
print "fork: ", ($waited == $pid ? "waited the child" : "waited $waited"), ", status ", $? >> 8, ", said $message";

$pid = fork();
if ($pid == 0) {
    exec($perl, "-e", 'print "exec: in a new program\n"; exit 9') or die "exec: $!";
}
waitpid($pid, 0);
print "exec: status ", $? >> 8, "\n";

$pid = fork();
if ($pid == 0) {
    sleep 30;
    exit 0;
}
kill "TERM", $pid;
waitpid($pid, 0);
print "killed child: signal ", $? & 127, "\n";

my @children;
for my $n (1 .. 3) {
    my $child = fork();
    if ($child == 0) { exit $n * 10 }
    push @children, $child;
}
my %status;
for (@children) {
    my $done = wait();
    $status{$done} = $? >> 8;
}
print "three children: ", join(" ", map { $status{$_} } @children), "\n";
print "no more children: ", wait(), "\n";
