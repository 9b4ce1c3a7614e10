// What the controllers share: how they tell the user (notices), how they run
// requests (one loading notice each, a retry on failure, an idle count), and
// what they ask of the rest of the view after a change (Effects, which the
// composition root implements).
import type { NoticeHandle } from "../ui/notices";

/** The notices over the canvas (ui/notices.ts's Notices). */
export interface Notify {
  loading(text: string): NoticeHandle;
  warn(text: string, testid?: string, ttlMs?: number): NoticeHandle;
  error(what: string, err: unknown, retry?: () => void): NoticeHandle;
  clearAll(): void;
}

/** What a controller asks of the rest of the view after it changed something. */
export interface Effects {
  /** Records an undo step, then updates the link and the toolbar. */
  commit(): void;
  /** Redraws the canvas and re-renders the panels. */
  refresh(): void;
  /** After nodes or edges were merged in: badges, groups, filters and timeline, then refresh. */
  merged(): void;
  /** The link follows the view (debounced). */
  viewChanged(): void;
  /** Redraws the canvas only (selection or highlight changed). */
  redraw(): void;
}

/** The layout the controllers start and stop (layout.ts's LayoutController). */
export interface Layout {
  settle(order: number): void;
  stop(): void;
  readonly running: boolean;
}

/** Requests to the API: each with a loading notice; a failure shows the error with a retry. */
export class Requests {
  private inflight = 0;

  constructor(private readonly notify: Notify) {}

  /** How many requests are in flight. */
  get pending(): number {
    return this.inflight;
  }

  async run(what: string, fn: () => Promise<void>): Promise<void> {
    this.inflight++;
    const loading = this.notify.loading(`${what}…`);
    try {
      await fn();
    } catch (err) {
      this.notify.error(what, err, () => void this.run(what, fn));
    } finally {
      loading.dismiss();
      this.inflight--;
    }
  }

  /** Counts a request without a notice (the caller reports its outcome). */
  async quiet<T>(fn: () => Promise<T>): Promise<T> {
    this.inflight++;
    try {
      return await fn();
    } finally {
      this.inflight--;
    }
  }
}
