/** The last `capacity` items pushed, in no particular order: a bounded memory to draw from. */
export class Ring<A> {
  private readonly items: Array<A> = []
  private next = 0

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.items.length
  }

  push(item: A): void {
    if (this.items.length < this.capacity) this.items.push(item)
    else this.items[this.next] = item
    this.next = (this.next + 1) % this.capacity
  }

  /** The item in slot `i`, 0 ≤ i < size. */
  get(i: number): A | undefined {
    return this.items[i]
  }
}
