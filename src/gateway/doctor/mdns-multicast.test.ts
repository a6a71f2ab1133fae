// Joins a multicast group, so it runs only inside the private network namespace `npm test` makes for
// mdns* files (nothing leaves the machine). That namespace has loopback only: discovery still finds
// this machine's services (the gateway joins the group on 127.0.0.1, as multicast-dns does).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkMulticast } from './checks.ts'

test('doctor: with loopback as the only interface, discovery works for services on this machine', {
  skip: !process.env.SALLYPORT_MDNS_NETNS && 'needs the private network namespace of npm test',
}, async () => {
  const r = await checkMulticast(true)
  assert.deepEqual(r, {
    name: 'discovery',
    status: 'ok',
    detail: 'multicast on loopback only: services on this machine are found, none from the network',
  })
  assert.equal((await checkMulticast(false)).status, 'skip')
})
