// The global budget of unverified body bytes: every request reserves its body's bytes before they are buffered.

/**
 * Bodies up to this size are "small". Every public Snyk sample is 1–27 KB (test/fixtures/snyk), so nearly every real
 * delivery is small, while an attack that wants to fill memory needs large ones.
 */
export const SMALL_BODY_BYTES = 256 * 1024;

/**
 * The part of the budget that only small bodies may use: an eighth of it, but never so much that a body of the largest
 * accepted size could not be received alone. Large unsigned bodies held open therefore never lock out an ordinary
 * delivery: up to this many bytes of small bodies are still admitted while they fill the rest.
 */
export function smallBodyReserve(budgetBytes: number, maxBodyBytes: number): number {
  return Math.max(0, Math.min(Math.floor(budgetBytes / 8), budgetBytes - maxBodyBytes));
}

/**
 * Pure: whether a request whose body has `bodyBytes` reserved so far may reserve `adding` more, when `inFlight` bytes
 * are reserved in total. A body that stays small may use the whole budget; a large one all but the small-body reserve.
 */
export function admits(
  inFlight: number,
  bodyBytes: number,
  adding: number,
  budgetBytes: number,
  reserveBytes: number,
): boolean {
  const limit = bodyBytes + adding <= SMALL_BODY_BYTES ? budgetBytes : budgetBytes - reserveBytes;
  return inFlight + adding <= limit;
}

/** One request's share of the budget; `release()` gives it all back and is safe to call more than once. */
export interface Reservation {
  /** Reserves `bytes` more for this body; false (and nothing reserved) when the budget cannot take them. */
  grow(bytes: number): boolean;
  release(): void;
}

export interface BodyBudgetOptions {
  budgetBytes: number;
  maxBodyBytes: number;
  /** Called with every change of the bytes in flight (positive or negative), e.g. to keep a gauge. */
  onChange?: (deltaBytes: number) => void;
}

export class BodyBudget {
  private readonly budgetBytes: number;
  private readonly reserveBytes: number;
  private readonly onChange: (deltaBytes: number) => void;
  private reserved = 0;

  constructor(options: BodyBudgetOptions) {
    this.budgetBytes = options.budgetBytes;
    this.reserveBytes = smallBodyReserve(options.budgetBytes, options.maxBodyBytes);
    this.onChange = options.onChange ?? (() => undefined);
  }

  /** Bytes reserved by all requests right now. */
  get inFlight(): number {
    return this.reserved;
  }

  open(): Reservation {
    let mine = 0;
    return {
      grow: (bytes) => {
        if (!admits(this.reserved, mine, bytes, this.budgetBytes, this.reserveBytes)) return false;
        mine += bytes;
        this.change(bytes);
        return true;
      },
      release: () => {
        if (mine === 0) return;
        const bytes = mine;
        mine = 0;
        this.change(-bytes);
      },
    };
  }

  private change(delta: number): void {
    this.reserved += delta;
    this.onChange(delta);
  }
}
