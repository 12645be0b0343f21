// The report page's filter script, inlined into index.html by html/mod.rs: reads the view from the URL hash (the free text searches names, steps and URLs, bodies too with "search bodies"), toggles `hidden` on scenarios, writes the hash back, renders a closed scenario from its noscript element on opening, or a passed one from its gzipped chunk (`data-z="chunk:index"`, the chunk an inert element with id "z{chunk}", decompressed once).
(function(){
var d=document,f=d.getElementById('flt');d.documentElement.classList.add('js');
d.addEventListener('click',function(ev){var b=ev.target;if(!b.classList||!b.classList.contains('curl'))return;var c=b.getAttribute('data-curl'),done=function(){b.textContent='copied';b.setAttribute('data-copied',c)};
if(navigator.clipboard&&navigator.clipboard.writeText)navigator.clipboard.writeText(c).then(done,function(){b.textContent=c});else{b.textContent=c}});
// Passed scenarios' bodies: chunk n, decompressed once, as the list of its bodies (zd[n] once read).
var zc={},zd={};function chunk(n){if(!zc[n]){var el=d.getElementById('z'+n),b=atob(el.textContent),u=new Uint8Array(b.length),ends=el.getAttribute('data-o').split(' ').map(Number);
for(var i=0;i<b.length;i++)u[i]=b.charCodeAt(i);
zc[n]=new Response(new Blob([u]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer().then(function(buf){var a=new Uint8Array(buf),td=new TextDecoder(),s=0;
zd[n]=ends.map(function(e){var t=td.decode(a.subarray(s,e));s=e;return t});return zd[n]})}return zc[n]}
if(!f)return;
var all=[].slice.call(d.querySelectorAll('details.sc')),grps=[].slice.call(d.querySelectorAll('.grp')),
bs=[].slice.call(f.querySelectorAll('button[data-st]')),tg=d.getElementById('ftag'),fe=d.getElementById('ffeat'),
q=d.getElementById('fq'),qb=d.getElementById('fqb'),n=d.getElementById('fn'),txt=null,qs=null,st='',timer=0,zall=null;
function read(){var h=location.hash.slice(1),p=new URLSearchParams(h.indexOf('=')<0?'':h);
st=p.get('status')||'';tg.value=p.get('tag')||'';if(tg.selectedIndex<0)tg.value='';
var fp=p.get('feature')||'';fe.selectedIndex=0;if(fp)for(var i=1;i<fe.options.length;i++)if(fe.options[i].getAttribute('data-p')===fp)fe.selectedIndex=i;
q.value=p.get('q')||'';qb.checked=p.get('bodies')==='1'}
function save(){var p=new URLSearchParams();if(st)p.set('status',st);if(tg.value)p.set('tag',tg.value);
if(fe.value)p.set('feature',fe.options[fe.selectedIndex].getAttribute('data-p'));if(q.value)p.set('q',q.value);if(qb.checked)p.set('bodies','1');
var s=p.toString();history.replaceState(null,'',s?'#'+s:location.pathname+location.search)}
function full(el){var t=el.textContent,zb=el.getAttribute('data-z'),ids=[],m,re=/data-b="(\d+)"/g;
if(zb&&el.querySelector(':scope>noscript')){zb=zb.split(':');t=el.querySelector('summary').textContent+' '+zd[zb[0]][+zb[1]]}
while((m=re.exec(t)))ids.push(m[1]);
[].forEach.call(el.querySelectorAll('details.shb'),function(x){ids.push(x.getAttribute('data-b'))});
ids.forEach(function(id){var b=d.getElementById('b'+id);if(b)t+=' '+b.textContent});return t.replace(/<[^>]*>/g,' ').toLowerCase()}
// The search texts (data-q), in page order: a line written before is "#n", its number (at most 4096 kept); "##…" a line of its own.
function lines(){var dict=[];return all.map(function(el){return (el.getAttribute('data-q')||'').split('\n').map(function(l){
if(l.charAt(0)==='#'&&l.charAt(1)!=='#')return dict[+l.slice(1)];if(l.charAt(0)==='#')l=l.slice(1);if(dict.length<4096)dict.push(l);return l}).join('\n')})}
function match(el,i){var s=el.getAttribute('data-s');
if(st&&!(st===s||st==='failed'&&s==='undefined'||st==='retried'&&el.hasAttribute('data-r')||st==='flaky'&&el.hasAttribute('data-fl')))return false;
if(tg.value&&(' '+el.getAttribute('data-t')+' ').indexOf(' '+tg.value+' ')<0)return false;
if(fe.value&&el.getAttribute('data-f')!==fe.value)return false;
var t=q.value.trim().toLowerCase();if(t){var h;if(qb.checked){if(!txt)txt=all.map(full);h=txt[i]}else h=(qs||(qs=lines()))[i];if(h.indexOf(t)<0)return false}
return true}
function apply(){if(qb.checked&&q.value.trim()&&!zall){zall=Promise.all([].map.call(d.querySelectorAll('script[data-o]'),function(z){return chunk(z.id.slice(1))})).then(function(){zall=true;txt=null;apply()});}
if(qb.checked&&q.value.trim()&&zall!==true){n.textContent='reading bodies…';return}var k=0;all.forEach(function(el,i){var m=match(el,i);if(el.hidden===m)el.hidden=!m;if(m)k++});
grps.forEach(function(g){g.hidden=!g.querySelector('details.sc:not([hidden])')});
bs.forEach(function(b){b.setAttribute('aria-pressed',String(b.getAttribute('data-st')===st))});
n.textContent=k===all.length?'all '+k+' scenarios shown':k+' of '+all.length+' scenarios shown'}
bs.forEach(function(b){b.addEventListener('click',function(){var v=b.getAttribute('data-st');st=st===v?'':v;save();apply()})});
tg.addEventListener('change',function(){save();apply()});fe.addEventListener('change',function(){save();apply()});
qb.addEventListener('change',function(){save();apply()});q.addEventListener('input',function(){clearTimeout(timer);timer=setTimeout(function(){save();apply()},150)});
f.addEventListener('submit',function(ev){ev.preventDefault()});
// A token shown again for reference: its first showing is copied in on opening.
d.addEventListener('toggle',function(ev){var el=ev.target;if(el.open&&el.getAttribute&&el.getAttribute('data-tok')&&!el.querySelector('pre')){var first=d.getElementById(el.getAttribute('data-tok'));if(first)[].slice.call(first.children,1).forEach(function(c){el.appendChild(c.cloneNode(true))})}},true);
d.addEventListener('toggle',function(ev){var el=ev.target;if(el.open&&el.classList&&el.classList.contains('shb')&&el.children.length===1){var sb=d.getElementById('b'+el.getAttribute('data-b'));if(sb)[].slice.call(sb.children,1).forEach(function(c){el.appendChild(c.cloneNode(true))})}
if(!el.open||!el.classList||!el.classList.contains('sc'))return;
var ns=el.querySelector(':scope>noscript'),z=el.getAttribute('data-z');if(!ns)return;
if(!z){ns.insertAdjacentHTML('afterend',ns.textContent);ns.remove();return}
if(el.hasAttribute('data-zl'))return;el.setAttribute('data-zl','');z=z.split(':');
chunk(z[0]).then(function(bs){ns.insertAdjacentHTML('afterend',bs[+z[1]]);ns.remove();el.removeAttribute('data-zl')},function(x){el.removeAttribute('data-zl');console.error('chunk z'+z[0]+': '+x)})},true);
// A link to a shared body (#b3) or a scenario (#s12) opens it (a scenario is drawn on opening).
function shared(){var h=location.hash.slice(1),el=/^[bs][0-9]+$/.test(h)&&d.getElementById(h);if(el)el.open=true}
window.addEventListener('hashchange',function(){shared();read();apply()});shared();
read();apply();f.hidden=false})();
