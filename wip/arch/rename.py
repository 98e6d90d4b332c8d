#!/usr/bin/env python3
"""Mechanical renames of src/ modules: git mv each, then rewrite every import specifier (in src, test, bench,
scripts) that resolves to an old path so it resolves to the new one. Usage: rename.py old=new ... (paths under repo)."""
import os,re,subprocess,sys
renames=dict(a.split('=') for a in sys.argv[1:])
for old,new in renames.items():
    os.makedirs(os.path.dirname(new),exist_ok=True)
    subprocess.check_call(['git','mv',old,new])
spec=re.compile(r"""((?:from\s+|import\s*\(\s*|import\s+|vi\.mock\(\s*)['"])(\.{1,2}/[^'"]+)(['"])""")
changed=0
for top in ['src','test','bench','scripts']:
    for d,_,fs in os.walk(top):
        for f in fs:
            if not f.endswith(('.ts','.mjs','.js')): continue
            p=os.path.join(d,f)
            # where this file lived before the renames (for files that were themselves moved)
            s=open(p).read()
            here=p
            before={v:k for k,v in renames.items()}.get(p,p)
            def fix(m):
                target=os.path.normpath(os.path.join(os.path.dirname(before),m.group(2)))
                target=renames.get(target,target)
                rel=os.path.relpath(target,os.path.dirname(here))
                if not rel.startswith('.'): rel='./'+rel
                return m.group(1)+rel+m.group(3)
            t=spec.sub(fix,s)
            if t!=s:
                open(p,'w').write(t); changed+=1
print('files rewritten:',changed)
