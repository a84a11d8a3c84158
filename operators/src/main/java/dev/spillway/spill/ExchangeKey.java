package dev.spillway.spill;

import java.io.Serializable;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES key of one encrypted exchange, shared by its writers and readers (it travels inside the
 * job's serialized functions, in memory only) and made anew for every job.
 */
public final class ExchangeKey implements Serializable {
  private static final long serialVersionUID = 1L;
  private final byte[] bytes;

  private ExchangeKey(byte[] bytes) {
    this.bytes = bytes;
  }

  /** A new random key. */
  public static ExchangeKey create() {
    return new ExchangeKey(FrameCipher.newKey().getEncoded());
  }

  FrameCipher cipher() {
    return new FrameCipher(new SecretKeySpec(bytes, "AES"));
  }

  @Override
  public String toString() {
    return "ExchangeKey[hidden]";
  }
}
