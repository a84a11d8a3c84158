package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import dev.spillway.spill.v1.Block;
import dev.spillway.spill.v1.Codec;
import dev.spillway.spill.v1.Layout;
import dev.spillway.spill.v1.Order;
import dev.spillway.spill.v1.Record;
import dev.spillway.spill.v1.SegmentHeader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

/** The segment format: hand-written bytes agree with protoc's classes; damage is named. */
public class SegmentFormatTest {
  @Rule public final SpillDirRule spill = new SpillDirRule();

  private EngineResources resources;

  @Before
  public void setUp() {
    resources = new EngineResources(spill.config(1 << 20).withMaxBlockBytes(1024));
  }

  @After
  public void tearDown() {
    resources.close();
  }

  private SegmentLocation write(CompressionCodec codec, Layout layout, List<byte[][]> records) {
    SpillFileWriter file = resources.newFile("test");
    IoBuffers.Slot slot = resources.buffers.acquire();
    try {
      // A first segment, so that the one under test starts at a non-zero offset.
      new SegmentWriter(
              file, codec, null, slot, resources.plan.blockBytes(), layout, Order.ORDER_NONE)
          .finish();
      SegmentWriter w =
          new SegmentWriter(
              file, codec, null, slot, resources.plan.blockBytes(), layout, Order.ORDER_NONE);
      for (byte[][] r : records) {
        if (layout == Layout.LAYOUT_KEY_VALUE) {
          w.append(r[0], 0, r[0].length, r[1], 0, r[1].length);
        } else {
          w.startKey(r[0], 0, r[0].length);
          for (int i = 1; i < r.length; i++) {
            w.appendValue(r[i], 0, r[i].length);
          }
        }
      }
      return w.finish();
    } finally {
      file.close();
      resources.buffers.release(slot);
    }
  }

  private static List<byte[][]> randomRecords(Random random, int n, int valuesPerKey) {
    List<byte[][]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[][] r = new byte[1 + valuesPerKey][];
      r[0] = Keys.key(random, 1_000_000, 30);
      for (int v = 1; v <= valuesPerKey; v++) {
        r[v] = Keys.value(random, random.nextInt(50) == 0 ? 3_000 : 40);
      }
      out.add(r);
    }
    return out;
  }

  /** The flattened (key, value) pairs a reader returns. */
  private List<String> readPairs(SegmentLocation location) {
    return SegmentPairs.read(resources, location);
  }

  private static List<String> pairs(List<byte[][]> records) {
    List<String> out = new ArrayList<>();
    for (byte[][] r : records) {
      for (int i = 1; i < r.length; i++) {
        out.add(Arrays.toString(r[0]) + "=" + Arrays.toString(r[i]));
      }
    }
    return out;
  }

  @Test
  public void roundTripsEveryCodecAndLayout() {
    Random random = new Random(1);
    for (CompressionCodec codec : CompressionCodec.values()) {
      List<byte[][]> kv = randomRecords(random, 500, 1);
      assertEquals(pairs(kv), readPairs(write(codec, Layout.LAYOUT_KEY_VALUE, kv)));
      List<byte[][]> kvs = randomRecords(random, 100, 25);
      assertEquals(pairs(kvs), readPairs(write(codec, Layout.LAYOUT_KEY_VALUES, kvs)));
    }
  }

  /**
   * A segment's header goes out with its first block, final when that block is the last: a segment
   * of one block is one write, of n blocks n + 1 (the header's count patched), an empty one a write
   * of its header; each reads back whole.
   */
  @Test
  public void theHeaderIsWrittenWithTheFirstBlock() throws IOException {
    AtomicInteger writes = new AtomicInteger();
    try (EngineResources counted =
        new EngineResources(
            spill
                .config(1 << 20)
                .withMaxBlockBytes(1024)
                .withFaults((file, bytes) -> writes.incrementAndGet()))) {
      Random random = new Random(5);
      for (int records : new int[] {0, 3, 200}) {
        List<byte[][]> kv = new ArrayList<>();
        for (int i = 0; i < records; i++) {
          kv.add(new byte[][] {Keys.key(random, 1_000, 8), Keys.value(random, 20)});
        }
        SpillFileWriter file = counted.newFile("test");
        IoBuffers.Slot slot = counted.buffers.acquire();
        SegmentLocation location;
        long blocks;
        try {
          writes.set(0);
          SegmentWriter w =
              new SegmentWriter(
                  file,
                  CompressionCodec.LZ4,
                  null,
                  slot,
                  counted.plan.blockBytes(),
                  Layout.LAYOUT_KEY_VALUE,
                  Order.ORDER_NONE);
          for (byte[][] r : kv) {
            w.append(r[0], 0, r[0].length, r[1], 0, r[1].length);
          }
          location = w.finish();
          blocks = frames(location);
        } finally {
          file.close();
          counted.buffers.release(slot);
        }
        assertEquals("frames of " + records + " records", records == 200, blocks > 2);
        assertEquals(
            records + " records in " + blocks + " blocks",
            blocks <= 1 ? 1 : blocks + 1,
            writes.get());
        assertEquals(pairs(kv), SegmentPairs.read(counted, location));
      }
    }
  }

  /** The frames of a segment, counted by walking its bytes. */
  private static long frames(SegmentLocation location) throws IOException {
    byte[] file = Files.readAllBytes(location.file());
    int p = (int) location.offset();
    int end = p + (int) location.length();
    int headerLength = Varint.get(file, p);
    p += Varint.size(headerLength) + headerLength;
    long frames = 0;
    while (p < end) {
      p += FrameFormat.FRAME_HEADER_BYTES + FrameFormat.getIntLE(file, p);
      frames++;
    }
    assertEquals(end, p);
    return frames;
  }

  @Test
  public void blocksOfOneRepeatedByteRoundTripWithEveryCodec() {
    // LZ4 stores a long run of one byte in about 1/250 of its size, Snappy in about 1/21: the
    // reader's bound on a frame's raw length must allow what each codec can do.
    List<byte[][]> runs = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      runs.add(new byte[][] {new byte[] {(byte) i}, new byte[8_000]});
    }
    for (CompressionCodec codec : CompressionCodec.values()) {
      assertEquals(
          codec.name(), pairs(runs), readPairs(write(codec, Layout.LAYOUT_KEY_VALUE, runs)));
    }
  }

  @Test
  public void theBytesAreTheProtoMessagesOfSegmentProto() throws IOException {
    Random random = new Random(2);
    List<byte[][]> records = randomRecords(random, 50, 30);
    SegmentLocation location = write(CompressionCodec.SNAPPY, Layout.LAYOUT_KEY_VALUES, records);
    byte[] file = Files.readAllBytes(location.file());
    CodedInputStream in =
        CodedInputStream.newInstance(file, (int) location.offset(), (int) location.length());
    SegmentHeader header = SegmentHeader.parseFrom(in.readByteArray());
    assertEquals(2, header.getFormatVersion());
    assertEquals(Codec.CODEC_SNAPPY, header.getCodec());
    assertEquals(Layout.LAYOUT_KEY_VALUES, header.getLayout());
    assertEquals(50 * 30, header.getRecordCount());
    // The frames' raw bytes, concatenated, are one Block; records of 3,000-byte values span frames.
    java.io.ByteArrayOutputStream raws = new java.io.ByteArrayOutputStream();
    int blocks = 0;
    while (!in.isAtEnd()) {
      int stored = in.readRawLittleEndian32();
      int raw = in.readRawLittleEndian32();
      int crc = in.readRawLittleEndian32();
      byte[] payload = in.readRawBytes(stored);
      CRC32C c = new CRC32C();
      assertEquals(crc, FrameFormat.checksum(c, raw, payload, 0, stored));
      byte[] block = org.xerial.snappy.Snappy.uncompress(payload);
      assertEquals(raw, block.length);
      assertThat("raw bytes of a frame", raw, org.hamcrest.Matchers.lessThanOrEqualTo(1024));
      raws.write(block);
      blocks++;
    }
    List<String> parsed = new ArrayList<>();
    for (Record r : Block.parseFrom(raws.toByteArray()).getRecordsList()) {
      for (ByteString v : r.getValuesList()) {
        parsed.add(
            Arrays.toString(r.getKey().toByteArray()) + "=" + Arrays.toString(v.toByteArray()));
      }
    }
    assertTrue("several blocks of at most 1 KiB", blocks > 10);
    assertEquals(pairs(records), parsed);
  }

  private static int readLe(byte[] b, int p) {
    return (b[p] & 0xFF)
        | (b[p + 1] & 0xFF) << 8
        | (b[p + 2] & 0xFF) << 16
        | (b[p + 3] & 0xFF) << 24;
  }

  @Test
  public void protocWrittenBlocksAreRead() throws IOException {
    // A block written by the generated classes (which omit empty fields) reads back the same.
    Block block =
        Block.newBuilder()
            .addRecords(
                Record.newBuilder()
                    .setKey(ByteString.copyFromUtf8("k"))
                    .setValue(ByteString.copyFromUtf8("v")))
            .addRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8("no key")))
            .addRecords(Record.newBuilder().setKey(ByteString.copyFromUtf8("no value")))
            .build();
    byte[] raw = block.toByteArray();
    SegmentHeader header =
        SegmentHeader.newBuilder()
            .setFormatVersion(FrameFormat.FORMAT_VERSION)
            .setCodec(Codec.CODEC_NONE)
            .setRecordCount(3)
            .setLayout(Layout.LAYOUT_KEY_VALUE)
            .setOrder(Order.ORDER_NONE)
            .build();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    header.writeDelimitedTo(out);
    byte[] frame = new byte[12];
    FrameFormat.putIntLE(frame, 0, raw.length);
    FrameFormat.putIntLE(frame, 4, raw.length);
    FrameFormat.putIntLE(
        frame, 8, FrameFormat.checksum(new CRC32C(), raw.length, raw, 0, raw.length));
    out.write(frame);
    out.write(raw);
    Path file = spill.root().resolve("protoc.seg");
    Files.write(file, out.toByteArray());
    try {
      SegmentLocation location = new SegmentLocation(file, 0, out.size(), 3, 3, raw.length);
      assertEquals(
          List.of(
              "[107]=[118]",
              "[]=[110, 111, 32, 107, 101, 121]",
              "[110, 111, 32, 118, 97, 108, 117, 101]=[]"),
          readPairs(location));
    } finally {
      Files.delete(file);
    }
  }

  private SegmentLocation damaged(SegmentLocation location, int at, byte xor) throws IOException {
    byte[] bytes = Files.readAllBytes(location.file());
    bytes[(int) location.offset() + at] ^= xor;
    Files.write(location.file(), bytes);
    return location;
  }

  @Test
  public void aFlippedBitIsACrcMismatchNamingFileAndBlock() throws IOException {
    SegmentLocation location =
        write(
            CompressionCodec.SNAPPY, Layout.LAYOUT_KEY_VALUE, randomRecords(new Random(3), 400, 1));
    damaged(location, (int) location.length() - 5, (byte) 0x10);
    CorruptSegmentException e =
        assertThrows(CorruptSegmentException.class, () -> readPairs(location));
    assertThat(e.getMessage(), containsString(location.file().toString()));
    assertThat(e.getMessage(), containsString("CRC32C mismatch"));
    assertTrue("the last block", e.block() > 5);
  }

  @Test
  public void aTruncatedSegmentIsNamed() {
    SegmentLocation full =
        write(CompressionCodec.NONE, Layout.LAYOUT_KEY_VALUE, randomRecords(new Random(4), 400, 1));
    SegmentLocation cut = cut(full, full.length() - 30);
    CorruptSegmentException e = assertThrows(CorruptSegmentException.class, () -> readPairs(cut));
    assertThat(e.getMessage(), containsString("truncated"));
    // A cut exactly at a frame boundary loses records: the count catches it.
    SegmentLocation missingFrame = cut(full, firstFrameEnd(full));
    e = assertThrows(CorruptSegmentException.class, () -> readPairs(missingFrame));
    assertThat(e.getMessage(), containsString("truncated"));
  }

  /** {@code full} as if its segment ended after {@code length} bytes. */
  private static SegmentLocation cut(SegmentLocation full, long length) {
    return new SegmentLocation(
        full.file(), full.offset(), length, full.pairs(), full.records(), full.rawBytes());
  }

  private long firstFrameEnd(SegmentLocation location) {
    return frameEnd(location, 1);
  }

  /** Where the segment's {@code frames}-th frame ends, from the segment's start. */
  private long frameEnd(SegmentLocation location, int frames) {
    try {
      byte[] bytes = Files.readAllBytes(location.file());
      int p = (int) location.offset();
      int headerLength = bytes[p];
      p += 1 + headerLength;
      for (int i = 0; i < frames; i++) {
        p += 12 + readLe(bytes, p);
      }
      return p - location.offset();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  public void anAbsurdLengthIsRejectedBeforeAllocating() throws IOException {
    SegmentLocation location =
        write(CompressionCodec.NONE, Layout.LAYOUT_KEY_VALUE, randomRecords(new Random(5), 10, 1));
    byte[] bytes = Files.readAllBytes(location.file());
    int p = (int) location.offset();
    p += 1 + bytes[p];
    FrameFormat.putIntLE(bytes, p, Integer.MAX_VALUE - 3);
    Files.write(location.file(), bytes);
    CorruptSegmentException e =
        assertThrows(CorruptSegmentException.class, () -> readPairs(location));
    assertThat(e.getMessage(), containsString("block 0"));
    assertThat(e.getMessage(), containsString("bytes are left in the segment"));
  }

  @Test
  public void anUnknownVersionIsRejected() throws IOException {
    SegmentLocation location =
        write(CompressionCodec.NONE, Layout.LAYOUT_KEY_VALUE, randomRecords(new Random(6), 10, 1));
    // The header's first field is format_version = 1: tag 0x08, then the value.
    byte[] bytes = Files.readAllBytes(location.file());
    int at = (int) location.offset() + 1;
    assertEquals(0x08, bytes[at]);
    bytes[at + 1] = 9;
    Files.write(location.file(), bytes);
    CorruptSegmentException e =
        assertThrows(CorruptSegmentException.class, () -> readPairs(location));
    assertThat(e.getMessage(), containsString("format version 9 is not supported"));
    assertEquals(-1, e.block());
  }

  /**
   * Records of up to 300 blocks, between small ones, in both layouts and every codec: each reads
   * back whole, and neither the writer's nor the reader's block buffers grow (a record once got a
   * frame as large as itself, and its writer and reader each a buffer of its size, twice).
   */
  @Test
  public void recordsLargerThanABlockSpanFramesAndNoBufferGrows() {
    Random random = new Random(8);
    int block = resources.plan.blockBytes();
    for (CompressionCodec codec : CompressionCodec.values()) {
      for (Layout layout : List.of(Layout.LAYOUT_KEY_VALUE, Layout.LAYOUT_KEY_VALUES)) {
        List<byte[][]> records = new ArrayList<>();
        for (int size :
            new int[] {block - 12, block - 1, block, block + 1, 3 * block, 300 * block}) {
          records.add(new byte[][] {Keys.key(random, 1000, 20), Keys.value(random, 30)});
          byte[][] large =
              layout == Layout.LAYOUT_KEY_VALUE
                  ? new byte[][] {Keys.key(random, 1000, 20), bytes(random, size)}
                  : new byte[][] {
                    Keys.key(random, 1000, 20),
                    Keys.value(random, 5),
                    bytes(random, size),
                    Keys.value(random, 7)
                  };
          records.add(large);
        }
        records.add(new byte[][] {bytes(random, 2 * block), Keys.value(random, 9)});
        SegmentLocation location = write(codec, layout, records);
        IoBuffers.Slot slot = resources.buffers.acquire();
        try {
          assertEquals(block, slot.raw.length);
          int stored = slot.stored.length;
          resources.buffers.release(slot);
          assertEquals(codec + " " + layout, pairs(records), readPairs(location));
          slot = resources.buffers.acquire();
          assertEquals(block, slot.raw.length);
          assertEquals(stored, slot.stored.length);
        } finally {
          resources.buffers.release(slot);
        }
      }
    }
  }

  private static byte[] bytes(Random random, int length) {
    byte[] b = new byte[length];
    random.nextBytes(b);
    return b;
  }

  @Test
  public void aSegmentThatEndsInsideASpanningRecordIsNamed() {
    int block = resources.plan.blockBytes();
    List<byte[][]> records = new ArrayList<>();
    records.add(new byte[][] {new byte[] {1}, bytes(new Random(9), 10 * block)});
    SegmentLocation full = write(CompressionCodec.NONE, Layout.LAYOUT_KEY_VALUE, records);
    // Cut after its third frame: the record is gathered until the segment ends.
    SegmentLocation cut = cut(full, frameEnd(full, 3));
    CorruptSegmentException e = assertThrows(CorruptSegmentException.class, () -> readPairs(cut));
    assertThat(e.getMessage(), containsString("ends inside a record of"));
    assertThat(e.getMessage(), containsString("truncated"));
    // Cut after its first: the record's length is more than what is left could hold, so nothing
    // is allocated for it.
    SegmentLocation first = cut(full, firstFrameEnd(full));
    e = assertThrows(CorruptSegmentException.class, () -> readPairs(first));
    assertThat(e.getMessage(), containsString("longer than the rest of the segment could hold"));
  }

  @Test
  public void aReaderClosedEarlyReturnsItsBuffer() {
    SegmentLocation location =
        write(
            CompressionCodec.SNAPPY, Layout.LAYOUT_KEY_VALUE, randomRecords(new Random(7), 100, 1));
    int before = resources.buffers.slotsInUse();
    SegmentReader reader = resources.open(location);
    assertTrue(reader.next());
    reader.close();
    assertEquals(before, resources.buffers.slotsInUse());
    assertFalse(Files.notExists(location.file()));
  }
}
