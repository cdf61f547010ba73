//! The step graph of an intent: topological levels, and cycles reported by name.

use super::Ctx;
use crate::raw::Pos;

/// Groups steps into levels (a step's level is one more than the highest level of the steps
/// it reads; steps that read none are level 0), each level in file order. Reports every
/// cycle; the levels are empty when there is one.
pub(crate) fn levels(ctx: &mut Ctx, steps: &[(String, Pos, Vec<String>)]) -> Vec<Vec<String>> {
    let index = |name: &str| steps.iter().position(|(n, _, _)| n == name);
    let deps: Vec<Vec<usize>> = steps
        .iter()
        .map(|(_, _, d)| d.iter().filter_map(|n| index(n)).collect())
        .collect();
    let mut g = Graph {
        deps,
        state: vec![State::New; steps.len()],
        level: vec![0; steps.len()],
        stack: Vec::new(),
        cycles: Vec::new(),
    };
    for i in 0..steps.len() {
        if g.state[i] == State::New {
            g.visit(i);
        }
    }
    if !g.cycles.is_empty() {
        for cycle in &g.cycles {
            let names: Vec<&str> = cycle.iter().map(|&i| steps[i].0.as_str()).collect();
            let first = cycle.first().copied().unwrap_or_default();
            ctx.error(
                steps[first].1,
                format!("steps {} form a cycle", names.join(" -> ")),
            );
        }
        return Vec::new();
    }
    let depth = g.level.iter().copied().max().map_or(0, |m| m + 1);
    (0..depth)
        .map(|l| {
            steps
                .iter()
                .zip(&g.level)
                .filter(|(_, lv)| **lv == l)
                .map(|((n, _, _), _)| n.clone())
                .collect()
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    New,
    OnStack,
    Done,
}

struct Graph {
    deps: Vec<Vec<usize>>,
    state: Vec<State>,
    level: Vec<usize>,
    stack: Vec<usize>,
    cycles: Vec<Vec<usize>>,
}

impl Graph {
    fn visit(&mut self, i: usize) {
        self.state[i] = State::OnStack;
        self.stack.push(i);
        let mut level = 0;
        for d in self.deps[i].clone() {
            match self.state[d] {
                State::New => {
                    self.visit(d);
                    level = level.max(self.level[d] + 1);
                }
                State::OnStack => {
                    let from = self.stack.iter().position(|&s| s == d).unwrap_or_default();
                    let mut cycle = self.stack[from..].to_vec();
                    cycle.push(d);
                    self.cycles.push(cycle);
                }
                State::Done => level = level.max(self.level[d] + 1),
            }
        }
        self.stack.pop();
        self.state[i] = State::Done;
        self.level[i] = level;
    }
}
