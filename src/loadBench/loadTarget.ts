/** One HTTP request of the load generator, as the store under test spells it. */
export interface HttpCall {
  readonly method: "GET" | "PUT" | "POST"
  readonly path: string
  readonly body?: string
}

/**
 * A store the load generator can drive: where to send, and how that store spells a put and a
 * linearizable get. Both stores are driven by the same generator, so what differs between their
 * rows is the store, not the client.
 */
export interface LoadTarget {
  readonly name: string
  /** The base URL every client sends to: the leader's, so that neither store pays a redirect or a forward. */
  readonly url: string
  readonly put: (key: string, value: string) => HttpCall
  readonly get: (key: string) => HttpCall
}

/** This project's client API (docs/cluster-api.md): `PUT /kv/{key}`, and `GET /kv/{key}`, linearizable. */
export const kvnodeTarget = (url: string): LoadTarget => ({
  name: "kvnode",
  url,
  put: (key, value) => ({ method: "PUT", path: `/kv/${encodeURIComponent(key)}`, body: value }),
  get: (key) => ({ method: "GET", path: `/kv/${encodeURIComponent(key)}` })
})

const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64")

/**
 * etcd's v3 JSON gateway: keys and values in base64. A range without `serializable` is
 * linearizable (etcd's default), the same guarantee as kvnode's GET.
 */
export const etcdTarget = (url: string): LoadTarget => ({
  name: "etcd",
  url,
  put: (key, value) => ({ method: "POST", path: "/v3/kv/put", body: JSON.stringify({ key: base64(key), value: base64(value) }) }),
  get: (key) => ({ method: "POST", path: "/v3/kv/range", body: JSON.stringify({ key: base64(key) }) })
})
