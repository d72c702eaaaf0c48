/** A binary min-heap of timed events; ties break by insertion order, so runs replay exactly. */
export class EventQueue<E> {
  private readonly heap: Array<{ readonly at: number; readonly seq: number; readonly event: E }> = []
  private seq = 0

  get size(): number {
    return this.heap.length
  }

  /** When the next event is due, if there is one. */
  peekAt(): number | undefined {
    return this.heap[0]?.at
  }

  push(at: number, event: E): void {
    const heap = this.heap
    heap.push({ at, seq: this.seq++, event })
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.less(i, parent)) break
      ;[heap[i], heap[parent]] = [heap[parent]!, heap[i]!]
      i = parent
    }
  }

  pop(): { readonly at: number; readonly event: E } | undefined {
    const heap = this.heap
    const top = heap[0]
    const last = heap.pop()
    if (top === undefined || last === undefined) return undefined
    if (heap.length > 0) {
      heap[0] = last
      let i = 0
      for (;;) {
        const left = 2 * i + 1
        const right = left + 1
        let smallest = i
        if (left < heap.length && this.less(left, smallest)) smallest = left
        if (right < heap.length && this.less(right, smallest)) smallest = right
        if (smallest === i) break
        ;[heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!]
        i = smallest
      }
    }
    return top
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a]!
    const y = this.heap[b]!
    return x.at < y.at || (x.at === y.at && x.seq < y.seq)
  }
}
