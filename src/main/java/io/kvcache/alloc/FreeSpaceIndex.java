package io.kvcache.alloc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Free space of one allocator by size class: the units of the free regions filed under each bin, and the same summed
 * per octave (the 8 bins of one exponent), so "free units in regions of bin &gt;= b" (the space a request of bin b could
 * land in) is at most 8 bin entries plus at most 16 octave entries (fewer: octaves above the largest free region are
 * skipped), read in address order: two or three cache lines, where a tree would scatter its loads. An update writes one bin and one octave entry.
 *
 * <p>Entries are unsigned 32-bit unit counts (an allocator never has more than 3.75 Gi units) in one array, total and
 * octaves first, so a query touches as few cache lines as possible.
 *
 * <p>Thread-safety: one writer, the allocator, which its {@link Segment}'s lock serialises; every entry it changes is
 * written with a release store. Any thread may query (acquire loads) without the lock: a query racing an update can see
 * part of it (a region counted in its old class and its new one, or in neither), which a ranking tolerates; the result
 * is clamped to [0, total].
 */
final class FreeSpaceIndex {
  private static final VarHandle ENTRY = MethodHandles.arrayElementVarHandle(int[].class);
  private static final int BINS_PER_OCTAVE = SizeBins.MANTISSA_VALUE;
  private static final int OCTAVES = SizeBins.BINS / BINS_PER_OCTAVE;

  // Layout of units: [TOTAL] all free units, [OCTAVE + o] octave o, [BIN + b] bin b.
  private static final int TOTAL = 0;
  private static final int OCTAVE = 1;
  private static final int BIN = OCTAVE + OCTAVES;
  private final int[] units = new int[BIN + SizeBins.BINS];

  /** Writer only: {@code delta} more (or fewer, if negative) free units in bin {@code bin}. */
  void add(int bin, long delta) {
    addEntry(BIN + bin, delta);
    addEntry(OCTAVE + bin / BINS_PER_OCTAVE, delta);
    addEntry(TOTAL, delta);
  }

  private void addEntry(int index, long delta) {
    ENTRY.setRelease(units, index, (int) (units[index] + delta)); // plain read: the writer reads its own last store
  }

  /**
   * Free units in regions filed under bins &gt;= {@code bin}, given that no region is filed above {@code highestBin} (the
   * largest free region's bin: octaves above it are empty and are not read). Lock-free.
   */
  long unitsFromBin(int bin, int highestBin) {
    long total = load(TOTAL);
    if (bin > highestBin) {
      return 0;
    }
    int octave = bin / BINS_PER_OCTAVE;
    int highestOctave = highestBin / BINS_PER_OCTAVE;
    long fitting = 0;
    for (int b = bin, end = Math.min(highestBin, (octave + 1) * BINS_PER_OCTAVE - 1); b <= end; b++) {
      fitting += load(BIN + b);
    }
    if (highestOctave - octave <= octave + 1) { // fewer octaves above than below: add them
      for (int o = octave + 1; o <= highestOctave; o++) {
        fitting += load(OCTAVE + o);
      }
    } else { // the octaves above are the total minus those below (this octave's bins are counted above)
      long below = 0;
      for (int o = 0; o <= octave; o++) {
        below += load(OCTAVE + o);
      }
      fitting += total - below;
    }
    return Math.clamp(fitting, 0, total);
  }

  private long load(int index) {
    return Integer.toUnsignedLong((int) ENTRY.getAcquire(units, index));
  }
}
