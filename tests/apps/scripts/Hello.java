// The JVM from the host's JDK, through /usr/bin/java (symlinks to its JAVA_HOME): the
// single-file source launcher compiles this in the guest, then collections and a thread pool.
import java.util.*;
import java.util.concurrent.*;
public class Hello {
    public static void main(String[] args) throws Exception {
        Map<String, Integer> counts = new TreeMap<>();
        for (String w : "the quick brown fox jumps over the lazy dog the end".split(" ")) counts.merge(w, 1, Integer::sum);
        System.out.println(counts);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Long>> parts = new ArrayList<>();
        for (int t = 0; t < 4; t++) { final int k = t; parts.add(pool.submit(() -> { long s = 0; for (long i = k; i < 4_000_000; i += 4) s += i; return s; })); }
        long total = 0; for (Future<Long> f : parts) total += f.get();
        pool.shutdown();
        System.out.println("sum " + total + " java " + System.getProperty("java.specification.version"));
    }
}
