import { describe, expect, it } from '@jest/globals'
import { setTimeout as sleep } from 'node:timers/promises'
import { mapBounded } from '../src/concurrency.js'

describe('mapBounded', () => {
  it('keeps the items order and never runs more than the limit at once', async () => {
    let running = 0
    let most = 0
    const results = await mapBounded([30, 5, 20, 1, 10, 2], 3, async (ms, index) => {
      most = Math.max(most, ++running)
      await sleep(ms)
      running--
      return `${index}:${ms}`
    })
    expect(results).toEqual(['0:30', '1:5', '2:20', '3:1', '4:10', '5:2'])
    expect(most).toBe(3)
  })

  it('rejects with the first failure', async () => {
    await expect(mapBounded([1, 2, 3], 2, async (n) => {
      if (n === 2) throw new Error('part 2 failed')
      return n
    })).rejects.toThrow('part 2 failed')
  })

  it('starts nothing after a failure, and rejects once the calls in flight have settled', async () => {
    const started: number[] = []
    const settled: number[] = []
    await expect(mapBounded([1, 2, 3, 4, 5, 6, 7, 8], 2, async (n) => {
      started.push(n)
      await sleep(n === 1 ? 5 : 20)
      settled.push(n)
      if (n === 1) throw new Error('part 1 failed')
      return n
    })).rejects.toThrow('part 1 failed')
    expect(started).toEqual([1, 2])
    expect(settled.sort()).toEqual([1, 2])
  })

  it('answers an empty list at once', async () => {
    expect(await mapBounded([], 4, async () => 1)).toEqual([])
  })
})
