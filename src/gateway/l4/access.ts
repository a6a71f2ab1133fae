// Access rules of an L4 server, as gobetween writes them: "allow 10.0.0.0/8", "deny 192.168.1.7";
// the first rule that matches the client's IP decides, else the default.
import { BlockList, isIP } from 'node:net'

export interface AccessRules {
  readonly default: 'allow' | 'deny'
  /** "allow 10.0.0.0/8", "deny 192.168.1.7" — first match wins. */
  readonly rules: readonly string[]
}

/** A check for a client IP, or undefined when every client is allowed. */
export function compileAccess(access: AccessRules | undefined): ((ip: string) => boolean) | undefined {
  if (!access) return undefined
  const rules = access.rules.map((rule) => {
    const [verb, target = ''] = rule.trim().split(/\s+/)
    const list = new BlockList()
    const [addr = '', bits] = target.split('/')
    const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4'
    if (bits === undefined) list.addAddress(addr, family)
    else list.addSubnet(addr, Number(bits), family)
    return { allow: verb === 'allow', list }
  })
  return (ip) => {
    const plain = ip.replace(/^::ffff:/, '')
    const family = isIP(plain) === 6 ? 'ipv6' : 'ipv4'
    for (const r of rules) if (r.list.check(plain, family)) return r.allow
    return access.default === 'allow'
  }
}
